package dev.bootc.pb.api;

import java.util.Locale;

/** When to pull an image from its registry; parsed at the edge (the command line). Constant names are the wire values. */
public enum PullPolicy {
    /** Pull every time, to get what the tag points at now. */
    always,
    /** Pull only when the image is not in local storage (the default). */
    missing,
    /** Never pull; a missing image is an error. */
    never;

    public static final PullPolicy DEFAULT = missing;

    public static PullPolicy parse(String text) {
        if (text == null || text.isBlank()) return DEFAULT;
        try {
            return valueOf(text.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Failure.InvalidPullPolicy.with("--pull: invalid value '" + Validation.printable(text) + "': use always, missing or never");
        }
    }
}
