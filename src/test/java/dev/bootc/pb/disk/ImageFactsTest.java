package dev.bootc.pb.disk;

import dev.bootc.pb.port.Image;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VolumeMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What pb reads from an image before building its disk: install configuration, top-level folders; and pull errors. */
class ImageFactsTest {
    @TempDir
    Path tmp;

    static final Image IMAGE = new Image("quay.io/fedora/fedora-bootc:42", "sha256:1111", "sha256:2222", 1L << 30);

    @Test
    void theDeclaredRootFilesystemComesFromPrintConfiguration() {
        assertEquals(Optional.of(Filesystem.xfs), InstallConfig.parseRootFilesystem("{\"root-fs-type\":\"xfs\"}"));
        assertEquals(Optional.of(Filesystem.ext4), InstallConfig.parseRootFilesystem("{\"filesystem\":{\"root\":{\"type\":\"ext4\"}},\"kargs\":[]}"));
        assertEquals(Optional.empty(), InstallConfig.parseRootFilesystem("{}"));
        assertEquals(Optional.empty(), InstallConfig.parseRootFilesystem(""));
        assertEquals(Optional.empty(), InstallConfig.parseRootFilesystem("{\"root-fs-type\":\"f2fs\"}"));

        FakeRunner fedora = new FakeRunner(c -> FakeRunner.Reply.ok("{}"));
        InstallConfig ic = new InstallConfig(fedora, tmp.resolve("ic"));
        assertEquals(Optional.empty(), ic.declared(IMAGE), "an image that declares none");
        assertEquals(Optional.empty(), ic.declared(IMAGE));
        assertEquals(1, fedora.calls.size(), "asked once per image: " + fedora.calls);
        assertEquals(List.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root", "--entrypoint", "bootc",
                IMAGE.reference(), "install", "print-configuration"), fedora.calls.get(0));

        FakeRunner centos = new FakeRunner(c -> FakeRunner.Reply.ok("{\"root-fs-type\":\"ext4\"}"));
        assertEquals(Optional.of(Filesystem.ext4), new InstallConfig(centos, tmp.resolve("ic2")).declared(IMAGE));
    }

    @Test
    void theImagesSystemdIsWhatSystemctlSaysInAThrowAwayContainerAskedOncePerImage() throws Exception {
        assertEquals(java.util.OptionalInt.of(252), ImageSystemd.parse("systemd 252 (252-51.el9)\n+PAM +AUDIT +SELINUX"));
        assertEquals(java.util.OptionalInt.of(252), ImageSystemd.parse("systemd 252 (252.39-1~deb12u2)\n"));
        assertEquals(java.util.OptionalInt.of(257), ImageSystemd.parse("systemd 257 (257.9-1.fc42)"));
        assertEquals(java.util.OptionalInt.empty(), ImageSystemd.parse("bash: systemctl: command not found"));

        FakeRunner centos = new FakeRunner(c -> FakeRunner.Reply.ok("systemd 252 (252-51.el9)\n+PAM\n"));
        PodmanImages images = new PodmanImages(centos, true, tmp.resolve("ic"));
        assertEquals(java.util.OptionalInt.of(252), images.systemdVersion(IMAGE));
        assertEquals(java.util.OptionalInt.of(252), new PodmanImages(centos, true, tmp.resolve("ic")).systemdVersion(IMAGE));
        assertEquals(1, centos.calls.size(), "asked once per image: " + centos.calls);
        assertEquals(List.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root", "--entrypoint", "systemctl",
                IMAGE.reference(), "--version"), centos.calls.get(0));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(tmp.resolve("ic/sha256_1111.systemd"))));

        FakeRunner broken = new FakeRunner(c -> new FakeRunner.Reply(125, "", "Error: no such image"));
        PodmanImages unknown = new PodmanImages(broken, true, tmp.resolve("ic3"));
        assertEquals(java.util.OptionalInt.empty(), unknown.systemdVersion(IMAGE));
        assertEquals(java.util.OptionalInt.empty(), unknown.systemdVersion(IMAGE));
        assertEquals(2, broken.calls.size(), "no answer is not kept: asked again");
    }

    @Test
    void topLevelEntriesComeFromAThrowAwayContainerOnceAnImageId() {
        FakeRunner image = new FakeRunner(c -> FakeRunner.Reply.ok("usr\nvar\netc\nroot\nmnt\n"));
        PodmanImages podman = new PodmanImages(image, true, tmp.resolve("ic"));
        dev.bootc.pb.port.Image img = new dev.bootc.pb.port.Image("localhost/img:1", "f00d", "sha256:beef", 1);
        assertEquals(java.util.Set.of("usr", "var", "etc", "root", "mnt"), podman.topLevelEntries(img));
        assertEquals(List.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root", "--entrypoint", "find",
                "f00d", "/", "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\n"), image.calls.get(0), "by ID: the image resolved");
        // pb run's check before anything is written, then its pass after the pull: one container
        podman.topLevelEntries(new dev.bootc.pb.port.Image("localhost/img:latest", "f00d", "sha256:beef", 1));
        assertEquals(1, image.calls.size(), "one container for one image ID: " + image.calls);
    }

    @Test
    void anUnreachableRegistryIsNotANotFound() {
        String podman = """
                Trying to pull quay.io/fedora/fedora-bootc:42...
                time="2026-12-01T22:10:41Z" level=warning msg="Failed, retrying in 1s ... (2/3). Error: ..."
                Error: initializing source docker://quay.io/fedora/fedora-bootc:42: pinging container registry quay.io: Get "https://quay.io/v2/": dial tcp: lookup quay.io: no such host
                """;
        PbException e = PullErrors.classify("quay.io/fedora/fedora-bootc:42", podman);
        assertEquals("RegistryUnreachable", e.reason());
        assertEquals(ExitCodes.FAILURE, e.exitCode());
        assertEquals("cannot reach registry quay.io to pull quay.io/fedora/fedora-bootc:42 (lookup quay.io: no such host): "
                + "check the network and the image name, or use an image in local storage", e.getMessage());
        PbException refused = PullErrors.classify("localhost:5999/x:1", "Error: initializing source docker://localhost:5999/x:1: pinging container registry "
                + "localhost:5999: Get \"https://localhost:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused");
        assertTrue(refused.getMessage().startsWith("cannot reach registry localhost:5999 to pull localhost:5999/x:1 (connect: connection refused)"),
                refused.getMessage());
    }

    @Test
    void notFoundOnlyWhenTheRegistrySaysSo() {
        PbException e = PullErrors.classify("quay.io/fedora/nope:1", "Error: initializing source docker://quay.io/fedora/nope:1: "
                + "reading manifest 1 in quay.io/fedora/nope: manifest unknown");
        assertEquals(ExitCodes.NOT_FOUND, e.exitCode());
        assertEquals("ImageNotFound", e.reason());
        PbException other = PullErrors.classify("quay.io/x:1", "Error: writing blob: storage full");
        assertEquals(ExitCodes.FAILURE, other.exitCode());
        assertEquals("cannot pull quay.io/x:1: writing blob: storage full", other.getMessage());
        assertEquals("docker.io", PullErrors.registryOf("fedora:42"));
        assertEquals("localhost", PullErrors.registryOf("localhost/pb-fixture:latest"));
    }
}
