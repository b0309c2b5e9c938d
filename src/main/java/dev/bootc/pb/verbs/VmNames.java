package dev.bootc.pb.verbs;

import dev.bootc.pb.api.ImageRefs;
import dev.bootc.pb.api.Validation;

import java.util.Locale;

/** Names derived from image references, as podman-bootc users expect to find their VM again. */
public final class VmNames {
    private VmNames() {
    }

    /**
     * quay.io/fedora/fedora-bootc:42 → fedora-bootc-42; no tag → -latest. A digest is dropped (a VM keeps its name
     * when its pin moves): name:42@sha256:... → fedora-bootc-42, and a reference by digest alone gives the bare
     * repository name (fedora-bootc), claiming no tag. The result is a DNS-1123 label of at most 63 characters.
     */
    public static String fromImage(String image) {
        String ref = image.trim();
        boolean digested = ref.indexOf('@') >= 0;
        String tag = ImageRefs.tag(ref).orElse(null);
        ref = ImageRefs.repository(ref);
        String base = ref.substring(ref.lastIndexOf('/') + 1);
        String suffix = tag != null ? tag : digested ? null : "latest";
        String name = (suffix == null ? base : base + "-" + suffix).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("-{2,}", "-");
        name = name.replaceAll("^-+", "");
        if (name.length() > Validation.NAME_MAX) name = name.substring(0, Validation.NAME_MAX);
        name = name.replaceAll("-+$", "");
        return name.isEmpty() ? "vm" : name;
    }
}
