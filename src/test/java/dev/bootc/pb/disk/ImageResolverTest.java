package dev.bootc.pb.disk;




import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageResolverTest {
    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    static final String REF = "quay.io/example/os:1";

    static String inspectJson(String labels) {
        return """
                [{"Id": "1083e8996615a4a47438e69ba9ba4cd2dde0132a1bd3888e6b754fc342d509fd",
                  "Digest": "sha256:b15de600a0bcd9cf7b358f868ca4e3e05cb11e7e226a8cc4133c1e87a1250dfa",
                  "Size": 502488426, "Config": {}, "Labels": %s}]
                """.formatted(labels);
    }

    /** podman with the image absent until pulled (when pullable), and the given labels. */
    static FakeRunner podman(boolean present, boolean pullable, String labels) {
        AtomicBoolean local = new AtomicBoolean(present);
        return new FakeRunner(c -> {
            if (FakeRunner.starts(c, "podman", "image", "inspect")) {
                return local.get() ? FakeRunner.Reply.ok(inspectJson(labels))
                        : new FakeRunner.Reply(125, "[]\n", "Error: inspecting object: " + REF + ": image not known\n");
            }
            if (FakeRunner.starts(c, "podman", "image", "exists")) return new FakeRunner.Reply(local.get() ? 0 : 1, "", "");
            if (FakeRunner.starts(c, "podman", "pull")) {
                if (!pullable) {
                    return FakeRunner.Reply.fail(125, "Trying to pull " + REF + "...\nError: initializing source docker://" + REF
                            + ": reading manifest 1 in quay.io/example/os: manifest unknown\n");
                }
                local.set(true);
                return FakeRunner.Reply.ok("Writing manifest to image destination\n");
            }
            return null;
        });
    }

    @Test
    void labelledImageResolvesWithoutPulling() {
        FakeRunner runner = podman(true, false, "{\"containers.bootc\": \"1\"}");
        Image img = new PodmanImages(runner, true, tmp.resolve("ic")).resolve(REF, PullPolicy.IfNotPresent, Progress.none());
        assertEquals(new Image(REF, "1083e8996615a4a47438e69ba9ba4cd2dde0132a1bd3888e6b754fc342d509fd",
                "sha256:b15de600a0bcd9cf7b358f868ca4e3e05cb11e7e226a8cc4133c1e87a1250dfa", 502488426L), img);
        assertEquals(List.of(List.of("podman", "image", "inspect", REF)), runner.calls);
    }

    @Test
    void missingImageIsPulledOnlyWhenMissing() {
        FakeRunner runner = podman(false, true, "{\"containers.bootc\": \"1\"}");
        new PodmanImages(runner, true, tmp.resolve("ic")).resolve(REF, PullPolicy.IfNotPresent, Progress.none());
        assertEquals(1, runner.callsStartingWith("podman", "pull").size());
        FakeRunner present = podman(true, true, "{\"containers.bootc\": \"1\"}");
        new PodmanImages(present, true, tmp.resolve("ic")).resolve(REF, null, Progress.none());
        assertEquals(0, present.callsStartingWith("podman", "pull").size());
        new PodmanImages(present, true, tmp.resolve("ic")).resolve(REF, PullPolicy.Always, Progress.none());
        assertEquals(1, present.callsStartingWith("podman", "pull").size());
    }

    @Test
    void neverPullingAMissingImageIsNotFound() {
        PbException e = assertThrows(PbException.class,
                () -> new PodmanImages(podman(false, true, "null"), true, tmp.resolve("ic")).resolve(REF, PullPolicy.Never, Progress.none()));
        assertEquals(ExitCodes.NOT_FOUND, e.exitCode());
        assertEquals("ImageNotFound", e.reason());
        assertTrue(e.getMessage().contains("podman pull " + REF) && e.getMessage().contains("--pull missing"), e.getMessage());
    }

    @Test
    void anImageThatCannotBePulledIsNotFoundWithPodmansMessage() {
        PbException e = assertThrows(PbException.class,
                () -> new PodmanImages(podman(false, false, "null"), true, tmp.resolve("ic")).resolve(REF, PullPolicy.IfNotPresent, Progress.none()));
        assertEquals(ExitCodes.NOT_FOUND, e.exitCode());
        assertEquals("ImageNotFound", e.reason());
        assertTrue(e.getMessage().contains("manifest unknown"), e.getMessage());
    }

    @Test
    void aFailedRefreshOfALocalImageIsAFailureNotNotFound() {
        PbException e = assertThrows(PbException.class,
                () -> new PodmanImages(podman(true, false, "null"), true, tmp.resolve("ic")).resolve(REF, PullPolicy.Always, Progress.none()));
        assertEquals(ExitCodes.FAILURE, e.exitCode());
        assertEquals("PullFailed", e.reason());
    }

    @Test
    void imageWithoutLabelOrBinaryIsNotBootc(@TempDir Path mount) {
        FakeRunner base = podman(true, false, "{\"other\": \"x\"}");
        FakeRunner runner = new FakeRunner(c -> FakeRunner.starts(c, "podman", "image", "mount")
                ? FakeRunner.Reply.ok(mount + "\n") : FakeRunner.Reply.of(base.run(c)));
        PbException e = assertThrows(PbException.class,
                () -> new PodmanImages(runner, true, tmp.resolve("ic")).resolve(REF, PullPolicy.Never, Progress.none()));
        assertEquals(ExitCodes.INVALID, e.exitCode());
        assertEquals("NotBootcImage", e.reason());
        assertEquals("image " + REF + " is not a bootc image: it lacks the containers.bootc=1 label and /usr/bin/bootc", e.getMessage());
        assertEquals(1, runner.callsStartingWith("podman", "image", "unmount").size(), "the image is unmounted again");
    }

    @Test
    void imageWithTheBinaryButNoLabelIsBootc(@TempDir Path mount) throws IOException {
        Files.createDirectories(mount.resolve("usr/bin"));
        Files.createSymbolicLink(mount.resolve("usr/bin/bootc"), Path.of("/usr/libexec/bootc-real")); // dangling on the host
        FakeRunner base = podman(true, false, "null");
        FakeRunner runner = new FakeRunner(c -> FakeRunner.starts(c, "podman", "image", "mount")
                ? FakeRunner.Reply.ok(mount + "\n") : FakeRunner.Reply.of(base.run(c)));
        assertEquals(REF, new PodmanImages(runner, true, tmp.resolve("ic")).resolve(REF, PullPolicy.Never, Progress.none()).reference());
    }

    @Test
    void withoutMountingTheBinaryIsLookedForInAContainer() {
        FakeRunner base = podman(true, false, "null");
        FakeRunner runner = new FakeRunner(c -> FakeRunner.starts(c, "podman", "run")
                ? new FakeRunner.Reply(1, "", "") : FakeRunner.Reply.of(base.run(c)));
        assertThrows(PbException.class, () -> new PodmanImages(runner, false, tmp.resolve("ic")).resolve(REF, PullPolicy.Never, Progress.none()));
        List<String> run = runner.callsStartingWith("podman", "run").get(0);
        assertEquals(List.of("--entrypoint", "test", "1083e8996615a4a47438e69ba9ba4cd2dde0132a1bd3888e6b754fc342d509fd", "-x", "/usr/bin/bootc"),
                run.subList(run.size() - 5, run.size()));
    }

    @Test
    void referencesThatLookLikeOptionsAreRefused() {
        FakeRunner runner = podman(true, true, "null");
        PbException e = assertThrows(PbException.class,
                () -> new PodmanImages(runner, true, tmp.resolve("ic")).resolve("--rootfs=/", PullPolicy.IfNotPresent, Progress.none()));
        assertEquals(ExitCodes.INVALID, e.exitCode());
        assertTrue(runner.calls.isEmpty());
    }

    @Test
    void unsetPullPolicyFollowsKubernetesRule() {
        assertEquals(PullPolicy.Always, PullPolicy.defaultFor("quay.io/fedora/fedora-bootc"), "no tag");
        assertEquals(PullPolicy.Always, PullPolicy.defaultFor("quay.io/fedora/fedora-bootc:latest"));
        assertEquals(PullPolicy.Always, PullPolicy.defaultFor("registry.local:5000/team/os"), "a port is no tag");
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.defaultFor("quay.io/fedora/fedora-bootc:42"));
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.defaultFor("registry.local:5000/team/os:v2"));
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.defaultFor("quay.io/fedora/fedora-bootc@sha256:" + "a".repeat(64)), "a digest never moves");
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.defaultFor("quay.io/x/os:latest@sha256:" + "a".repeat(64)));
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.defaultFor("localhost/my-build:latest"), "a local build: no registry serves it");
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.defaultFor("localhost/my-build"));
        BootcVmSpec explicit = new BootcVmSpec("quay.io/fedora/fedora-bootc:latest");
        explicit.setImagePullPolicy(PullPolicy.Never);
        assertEquals(PullPolicy.Never, Defaults.pullPolicy(explicit), "the spec's field wins");
        assertEquals(PullPolicy.Always, Defaults.pullPolicy(new BootcVmSpec("quay.io/fedora/fedora-bootc")));
    }

    @Test
    void pullPolicyParses() {
        assertEquals(null, PullPolicy.parse(null), "unset: the spec's rule decides");
        assertEquals(PullPolicy.Always, PullPolicy.parse("Always"));
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.parse("missing"), "podman's word");
        assertEquals(PullPolicy.IfNotPresent, PullPolicy.parse("IfNotPresent"), "Kubernetes' word");
        assertEquals(PullPolicy.Never, PullPolicy.parse("never"));
        assertEquals(ExitCodes.INVALID, assertThrows(PbException.class, () -> PullPolicy.parse("sometimes")).exitCode());
    }
}
