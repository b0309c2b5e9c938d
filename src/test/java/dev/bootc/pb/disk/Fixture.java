package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;

import dev.bootc.pb.os.ProcessRunner;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The test image localhost/pb-fixture:latest, built by src/test/images/build-fixture.sh when absent. Tests that
 * need it fail (never skip) when podman or the image cannot be had.
 */
final class Fixture {
    /** -Dpb.fixture.image=localhost/pb-imgtest-fixture:latest builds and tests a private copy, leaving the shared one alone. */
    static final String IMAGE = System.getProperty("pb.fixture.image", "localhost/pb-fixture:latest");
    static final Path SCRIPT = Path.of("src/test/images/build-fixture.sh");

    private Fixture() {
    }

    /**
     * Makes sure podman works and the fixture image is the one the current script builds: the script
     * runs every time (it returns at once when the image carries its hash), so a changed stand-in is
     * never tested through a stale image.
     */
    static synchronized void ensureImage() {
        ProcessRunner local = ProcessRunner.local();
        // PodmanMissing (a Failed) propagates: the test fails with "install the podman package"
        ProcessResult version = local.run(Command.of("podman", "version", "--format", "{{.Client.Version}}"));
        assertTrue(version.ok(), "podman does not work: " + version.errorTail(10));
        if (!Files.isExecutable(SCRIPT)) fail(IMAGE + " is missing and " + SCRIPT.toAbsolutePath() + " does not exist to build it");
        System.out.println("checking or building " + IMAGE + " with " + SCRIPT + " ...");
        ProcessResult r = local.run(Command.of(SCRIPT.toString()).env("PB_FIXTURE_IMAGE", IMAGE).timeout(Duration.ofMinutes(40))
                .onOutput((s, l) -> System.out.println("  " + l)));
        assertTrue(r.ok(), r.failureMessage(SCRIPT.toString()));
        assertTrue(local.run(Command.of("podman", "image", "exists", IMAGE)).ok(), SCRIPT + " succeeded but " + IMAGE + " is missing");
    }
}
