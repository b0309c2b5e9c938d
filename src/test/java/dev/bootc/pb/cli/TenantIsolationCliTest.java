package dev.bootc.pb.cli;

import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What issue 21 (items 4 and 5) promises at the command line of the file store: {@code pb run -p} on a
 * host port another VM holds exits 4 with one line naming that VM and the port, and writes nothing.
 * The real CLI, store and core; podman, disks, libvirt and SSH faked.
 */
class TenantIsolationCliTest {
    @TempDir
    Path dir;
    FakeWorld world;
    CliRunner cli;

    @BeforeEach
    void setUp() {
        world = new FakeWorld();
        world.ssh.ready = true;
        cli = new CliRunner(o -> FakeRoot.root(dir, world, o));
    }

    private CliRunner.Result ok(String... args) {
        CliRunner.Result r = cli.run(args);
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    private int sshPort(String vm) {
        return Integer.parseInt(ok("inspect", vm, "--format", "jsonpath={.runtime.sshPort}").out().strip());
    }

    private void assertRefused(CliRunner.Result r, String holder, int port, String name) {
        assertEquals(4, r.exit(), r.toString());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line: " + r.err());
        assertTrue(lines.get(0).contains(holder) && lines.get(0).contains(Integer.toString(port)), "names the VM and the port: " + lines.get(0));
        assertFalse(Files.exists(dir.resolve("store/default/" + name + ".yaml")), "no resource written");
        assertFalse(world.domains.specs.containsKey("default_" + name), "no domain");
        assertFalse(world.calls.contains("build"), "no disk built: " + world.calls);
    }

    @Test
    void runOnAnotherVmsSshPortExits4AndWritesNothing() {
        ok("run", "-B", "--name", "a", "img");
        int port = sshPort("a");
        world.calls.clear();
        assertRefused(cli.run("-q", "run", "-B", "--name", "b", "-p", port + ":22", "img"), "a", port, "b");
    }

    @Test
    void runOnAStoppedVmsForwardExits4() {
        ok("run", "-B", "--name", "a", "-p", "2222:80", "img");
        ok("stop", "a");
        world.calls.clear();
        assertRefused(cli.run("-q", "run", "-B", "--name", "b", "-p", "2222:22", "img"), "a", 2222, "b");
        // and a starts again with its port
        ok("start", "a");
        assertEquals(2222, world.domains.specs.get("default_a").forwards().get(0).hostPort());
    }
}
