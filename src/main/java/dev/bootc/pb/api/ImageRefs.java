package dev.bootc.pb.api;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of an image reference pb reads ({@code [host[:port]/]path[:tag][@digest]}), and how podman tells an
 * image ID from a name (containers/common libimage: {@code sha256:} and 64 hex digits, or 64 bare hex digits, are
 * an ID and never a name; shorter hex digits may be either).
 */
public final class ImageRefs {
    private static final Pattern FULL_ID = Pattern.compile("^(?:sha256:)?([0-9a-f]{64})$");
    private static final Pattern SHORT_ID = Pattern.compile("^[0-9a-f]{1,63}$");
    private static final Pattern HASH = Pattern.compile("(sha256:[0-9a-f]{12})[0-9a-f]{52}");
    /** podman shows IDs by their first 12 hex digits. */
    public static final int SHORT_ID_LENGTH = 12;

    private ImageRefs() {
    }

    /** The 64 hex digits of a full image ID, or empty when {@code text} is not one. */
    public static Optional<String> fullId(String text) {
        Matcher m = FULL_ID.matcher(text == null ? "" : text);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Up to 63 hex digits: a name, or the start of an image ID (podman tries the name first). */
    public static boolean mayBeShortId(String text) {
        return text != null && SHORT_ID.matcher(text).matches();
    }

    /** The reference pb records for an image that has no repository tag: its full ID, which never means another image. */
    public static String ofId(String id) {
        return "sha256:" + id;
    }

    /** The digest after '@', or empty. */
    public static Optional<String> digest(String ref) {
        int at = ref.indexOf('@');
        return at < 0 ? Optional.empty() : Optional.of(ref.substring(at + 1));
    }

    /** The reference without its digest: {@code quay.io/f/fedora-bootc:42@sha256:...} is {@code quay.io/f/fedora-bootc:42}. */
    public static String withoutDigest(String ref) {
        int at = ref.indexOf('@');
        return at < 0 ? ref : ref.substring(0, at);
    }

    /** The tag of a reference (after the last ':' past the last '/', its digest aside), or empty: a registry's port is no tag. */
    public static Optional<String> tag(String ref) {
        String name = withoutDigest(ref);
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? Optional.of(name.substring(colon + 1)) : Optional.empty();
    }

    /** The reference without its tag or digest: the repository. */
    public static String repository(String ref) {
        String name = withoutDigest(ref);
        return tag(name).map(t -> name.substring(0, name.length() - t.length() - 1)).orElse(name);
    }

    /**
     * {@code name:tag@digest} as {@code name@digest}: podman pulls and looks up such a reference by its digest alone
     * (the tag is a comment), and a registry transport refuses a tag next to a digest.
     */
    public static String digestOnly(String ref) {
        Optional<String> digest = digest(ref);
        if (digest.isEmpty()) return ref;
        return repository(ref) + "@" + digest.get();
    }

    /** Each {@code sha256:} and 64 hex digits in the text cut to its first 12 digits, as podman shows image IDs. */
    public static String shortened(String text) {
        return text == null ? null : HASH.matcher(text).replaceAll("$1");
    }
}
