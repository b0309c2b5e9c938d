package dev.bootc.pb.api;

import java.util.Locale;

/**
 * When the host pulls a VM's image from its registry, as {@code spec.imagePullPolicy} says; Kubernetes' names and,
 * when the field is unset, Kubernetes' rule ({@link #defaultFor}). A pull happens when the VM's disk is made from
 * the image; a VM that has its disk is not pulled again ({@code pb upgrade} is how a moved tag reaches it).
 */
public enum PullPolicy {
    /** Pull every time a disk is made, to get what the tag points at now. */
    Always,
    /** Pull only when the image is not in local storage. */
    IfNotPresent,
    /** Never pull; a missing image is an error. */
    Never;

    /** The tag Kubernetes' rule treats as moving. */
    private static final String LATEST = "latest";

    /**
     * Kubernetes' default for an image: {@code Always} for {@code :latest} or no tag, else {@code IfNotPresent}; an
     * image pinned by digest never moves. An image named under {@code localhost/} is podman's local name of an image
     * built or loaded on this host, which no registry serves: {@code IfNotPresent}, so a VM of a local build boots.
     */
    public static PullPolicy defaultFor(String image) {
        if (image == null || ImageRefs.digest(image).isPresent() || ImageRefs.fullId(image).isPresent()) return IfNotPresent;
        if (image.startsWith("localhost/")) return IfNotPresent;
        return ImageRefs.tag(image).map(LATEST::equals).orElse(true) ? Always : IfNotPresent;
    }

    /**
     * {@code --pull}: podman's words (always, missing, never; {@code newer} is not offered) or the spec's names, any case.
     * Null or blank: unset, the spec's rule decides.
     */
    public static PullPolicy parse(String text) {
        if (text == null || text.isBlank()) return null;
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "always" -> Always;
            case "missing", "ifnotpresent" -> IfNotPresent;
            case "never" -> Never;
            default -> throw Failure.InvalidPullPolicy.with("--pull: invalid value '" + Validation.printable(text)
                    + "': use always, missing or never (Always, IfNotPresent or Never in a resource)");
        };
    }
}
