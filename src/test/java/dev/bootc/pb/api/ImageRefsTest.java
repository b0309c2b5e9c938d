package dev.bootc.pb.api;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A reference's tag and repository, read one way for the pull rule, the VM's default name and the installed origin. */
class ImageRefsTest {
    static final String DIGEST = "sha256:" + "a".repeat(64);

    @Test
    void tagAndRepository() {
        assertEquals(Optional.of("42"), ImageRefs.tag("quay.io/fedora/fedora-bootc:42"));
        assertEquals(Optional.empty(), ImageRefs.tag("quay.io/fedora/fedora-bootc"));
        assertEquals(Optional.empty(), ImageRefs.tag("registry.local:5000/team/os"), "a registry's port is no tag");
        assertEquals(Optional.of("v2"), ImageRefs.tag("registry.local:5000/team/os:v2"));
        assertEquals(Optional.of("42"), ImageRefs.tag("quay.io/f/os:42@" + DIGEST), "the digest aside");
        assertEquals(Optional.empty(), ImageRefs.tag("quay.io/f/os@" + DIGEST));
        assertEquals("registry.local:5000/team/os", ImageRefs.repository("registry.local:5000/team/os:v2"));
        assertEquals("registry.local:5000/team/os", ImageRefs.repository("registry.local:5000/team/os"));
        assertEquals("quay.io/f/os", ImageRefs.repository("quay.io/f/os:42@" + DIGEST));
    }

    @Test
    void digestOnlyDropsTheTagBesideADigest() {
        assertEquals("quay.io/f/os@" + DIGEST, ImageRefs.digestOnly("quay.io/f/os:42@" + DIGEST));
        assertEquals("registry.local:5000/os@" + DIGEST, ImageRefs.digestOnly("registry.local:5000/os@" + DIGEST));
        assertEquals("quay.io/f/os:42", ImageRefs.digestOnly("quay.io/f/os:42"));
    }

    @Test
    void aVmIsNamedAfterItsImagesRepositoryAndTag() {
        assertEquals("fedora-bootc-42", dev.bootc.pb.verbs.VmNames.fromImage("quay.io/fedora/fedora-bootc:42"));
        assertEquals("fedora-bootc-latest", dev.bootc.pb.verbs.VmNames.fromImage("quay.io/fedora/fedora-bootc"));
        assertEquals("fedora-bootc-42", dev.bootc.pb.verbs.VmNames.fromImage("quay.io/fedora/fedora-bootc:42@" + DIGEST));
        assertEquals("fedora-bootc", dev.bootc.pb.verbs.VmNames.fromImage("quay.io/fedora/fedora-bootc@" + DIGEST));
        assertEquals("os-latest", dev.bootc.pb.verbs.VmNames.fromImage("registry.local:5000/os"));
    }
}
