package dev.bootc.pb.disk;

import dev.bootc.pb.api.PbException;
import java.util.Locale;

/** When to pull an image from its registry. Constant names are the command-line values. */
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
            throw new PbException.Invalid("InvalidPullPolicy", "unknown pull policy '" + text + "': use always, missing or never");
        }
    }
}
