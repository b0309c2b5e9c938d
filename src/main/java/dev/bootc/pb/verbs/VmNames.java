package dev.bootc.pb.verbs;

import dev.bootc.pb.api.Validation;

import java.util.Locale;

/** Names derived from image references, as podman-bootc users expect to find their VM again. */
public final class VmNames {
    private VmNames() {
    }

    /**
     * quay.io/fedora/fedora-bootc:42 → fedora-bootc-42; no tag → -latest; a digest → the first 12 hex
     * digits. The result is a DNS-1123 label of at most 63 characters.
     */
    public static String fromImage(String image) {
        String ref = image.trim();
        String digest = null;
        int at = ref.indexOf('@');
        if (at >= 0) {
            digest = ref.substring(at + 1);
            ref = ref.substring(0, at);
        }
        String tag = null;
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon > slash) {
            tag = ref.substring(colon + 1);
            ref = ref.substring(0, colon);
        }
        String base = ref.substring(ref.lastIndexOf('/') + 1);
        String suffix;
        if (digest != null) {
            String hex = digest.contains(":") ? digest.substring(digest.indexOf(':') + 1) : digest;
            suffix = hex.substring(0, Math.min(12, hex.length()));
        } else {
            suffix = tag == null ? "latest" : tag;
        }
        String name = (base + "-" + suffix).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("-{2,}", "-");
        name = name.replaceAll("^-+", "");
        if (name.length() > Validation.NAME_MAX) name = name.substring(0, Validation.NAME_MAX);
        name = name.replaceAll("-+$", "");
        return name.isEmpty() ? "vm" : name;
    }
}
