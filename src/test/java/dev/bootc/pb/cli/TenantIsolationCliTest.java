package dev.bootc.pb.cli;

import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.PbMetadata;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What issue 21 (items 4 and 5) promises at the command line of the file store: {@code pb run -p} on a
 * host port another VM holds exits 4 with one line naming that VM and the port, and writes nothing;
 * {@code pb list} and {@code pb rm} leave the Kubernetes store's domains alone (they are not this
 * store's orphans). The real CLI, store and core; podman, disks, libvirt and SSH faked.
 */
class TenantIsolationCliTest extends InProcessCliTest {

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
        assertRefused(pb.run("-q", "run", "-B", "--name", "b", "-p", port + ":22", "img"), "a", port, "b");
    }

    @Test
    void runOnAStoppedVmsForwardExits4() {
        ok("run", "-B", "--name", "a", "-p", "2222:80", "img");
        ok("stop", "a");
        world.calls.clear();
        assertRefused(pb.run("-q", "run", "-B", "--name", "b", "-p", "2222:22", "img"), "a", 2222, "b");
        // and a starts again with its port
        ok("start", "a");
        assertEquals(2222, world.domains.specs.get("default_a").forwards().get(0).hostPort());
    }

    @Test
    void theKubernetesStoresDomainsAreNotThisStoresOrphans() {
        ok("run", "-B", "--name", "web", "img");
        // the Kubernetes store's default/web on this host, and a real orphan of this store
        world.domains.define(domain("kube_default_web", "web", "uid-tenant"));
        world.domains.define(domain("default_old", "old", "uid-old"));
        List<String> rows = ok("list", "--no-headers").out().lines().toList();
        assertEquals(2, rows.size(), "web once (root's own), old as an orphan, no row for the other store's VM: " + rows);
        assertTrue(rows.get(0).startsWith("web ") && !rows.get(0).contains("orphaned"), rows.get(0));
        assertTrue(rows.get(1).startsWith("old ") && rows.get(1).contains("orphaned"), rows.get(1));

        ok("rm", "-f", "web");
        assertTrue(world.domains.find("kube_default_web").isPresent(), "rm of root's web leaves the other store's web");
        CliRunner.Result gone = pb.run("rm", "-f", "web");
        assertEquals(3, gone.exit(), "no VM web in this store any more: " + gone);
        assertTrue(world.domains.find("kube_default_web").isPresent(), "nor is it taken for this store's orphan");
        ok("rm", "-f", "old");
        assertFalse(world.domains.find("default_old").isPresent(), "this store's orphan goes");
    }

    @Test
    void anotherFileStoresDomainsAreNotThisStoresOrphans() {
        // a VM of a file store with another data folder on this host (PB_DATA_DIR or --store-dir of another
        // user or checkout): its key is not under this store's data folder
        ok("run", "-B", "--name", "web", "img");
        world.domains.define(domain("default_far", "far", "uid-far", "/elsewhere/pb/vms/default/far/id_ed25519"));
        world.domains.define(domain("default_old", "old", "uid-old", dir.resolve("data/vms/default/old/id_ed25519").toString()));
        List<String> rows = ok("list", "--no-headers").out().lines().toList();
        assertEquals(2, rows.size(), "web, and old as this store's orphan; no row for the other store's far: " + rows);
        assertTrue(rows.get(1).startsWith("old ") && rows.get(1).contains("orphaned"), rows.get(1));
        CliRunner.Result gone = pb.run("rm", "-f", "far");
        assertEquals(3, gone.exit(), "no VM far in this store: " + gone);
        CliRunner.Result same = pb.run("-q", "run", "-B", "--name", "far", "img");
        assertEquals(4, same.exit(), "the other store's domain of the name is not adopted: " + same);
        assertTrue(same.err().contains("another pb store") && same.err().contains("/elsewhere/pb"), same.err());
        assertEquals("uid-far", world.domains.find("default_far").orElseThrow().metadata().ownerUid(), "untouched");
        ok("rm", "-f", "--all");
        assertTrue(world.domains.find("default_far").isPresent(), "rm --all leaves the other store's VM");
        assertFalse(world.domains.find("default_old").isPresent(), "and removes this store's orphan");
        assertFalse(world.domains.find("default_web").isPresent());
    }

    @Test
    void anEarlierVmsDomainOfTheNameIsItsOrphanUntilItsOwnRm() {
        // the domain of an earlier VM web whose resource went without its finalizer, under today's web
        world.domains.define(domain("default_web", "web", "uid-earlier"));
        CliRunner.Result run = pb.run("-q", "run", "-B", "--name", "web", "img");
        assertEquals(4, run.exit(), run.toString());
        assertTrue(run.err().contains("OwnerConflict") || run.err().contains("uid-earlier"), run.err());
        assertEquals("uid-earlier", world.domains.find("default_web").orElseThrow().metadata().ownerUid(), "not adopted");
        assertFalse(Files.exists(dir.resolve("store/default/web.yaml")), "the run's resource is gone again, having made nothing");
        List<String> rows = ok("list", "--no-headers").out().lines().toList();
        assertEquals(1, rows.size(), rows.toString());
        assertTrue(rows.get(0).startsWith("web ") && rows.get(0).contains("orphaned"), rows.get(0));
        ok("rm", "-f", "web");
        assertTrue(world.domains.find("default_web").isEmpty(), "pb rm of the orphan removes it, as the message says");
    }

    static DomainSpec domain(String name, String owner, String uid) {
        return domain(name, owner, uid, null);
    }

    static DomainSpec domain(String name, String owner, String uid, String keyPath) {
        return DomainSpec.builder(name).accel(Accel.TCG).arch(HostArch.X86_64)
                .diskPath(Path.of("/images/vms/" + name + ".qcow2")).nvramPath(Path.of("/images/vms/" + name + "_VARS.fd"))
                .sshPort(40100)
                .metadata(new PbMetadata("default", owner, uid, "localhost/x", null, 40100, "root", keyPath, Instant.parse("2026-12-01T09:00:00Z"), null))
                .build();
    }
}
