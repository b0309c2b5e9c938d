package dev.bootc.pb.cli;

import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the in-process CLI tests share: pb's commands as typed, on a real file store under a temporary folder and the
 * real core, with podman, disks, libvirt and SSH faked at the I/O edge ({@link FakeWorld}, its guests answering SSH).
 * A subclass's own {@code @BeforeEach} runs after this one and may add to {@link #world}.
 */
abstract class InProcessCliTest {
    @TempDir
    Path dir;
    FakeWorld world;
    CliRunner pb;

    @BeforeEach
    void aWorldAndACli() {
        world = new FakeWorld();
        world.ssh.ready = true;
        pb = new CliRunner(o -> FakeRoot.root(dir, world, o));
    }

    /** Runs a command that must succeed. */
    CliRunner.Result ok(String... args) {
        CliRunner.Result r = pb.run(args);
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    /** A refusal as pb promises it: that exit code and one line on stderr, {@code Error: ...}, containing the words. */
    static void assertOneLineError(CliRunner.Result r, int exit, String contains) {
        assertEquals(exit, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("Error: ") && r.err().contains(contains), r.err());
    }
}
