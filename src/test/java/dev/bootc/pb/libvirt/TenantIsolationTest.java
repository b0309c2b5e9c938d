package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PortForward;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.testing.TestDriverWorld;
import dev.bootc.pb.verbs.VmRow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21, items 4 and 5, on real libvirt (test:///default), real overlays, keys and the host's real port
 * registry: root's file-store VM {@code web} and a tenant's Kubernetes {@code default/web} on one host, each
 * through the composition root as {@code pb} and {@code pb operator --store kube} build it. The tenant's VM
 * is a VM of its own; it never adopts, stops or deletes root's domain, disk, key or port.
 */
class TenantIsolationTest {
    static final VmKey WEB = new VmKey("default", "web");

    @TempDir
    Path dir;
    TestDriverWorld world;
    Root file;
    Root kube;

    @BeforeEach
    void twoStoresOnOneHost() throws Exception {
        world = new TestDriverWorld(dir);
        Map<String, String> env = new HashMap<>(Map.of("PB_DATA_DIR", dir.resolve("data").toString(), "PB_IMAGES_DIR",
                dir.resolve("images").toString(), "PB_STORE_DIR", dir.resolve("store").toString(), "PB_LIBVIRT_URI", "test:///default",
                "NODE_NAME", "node-a", "PB_LEADER_ELECTION", "false"));
        file = new Root(Config.load(env, "root", dir, Config.Options.none()),
                world.parts(new FileVmStore(dir.resolve("store")), new FileEventLog(dir.resolve("data/events"))));
        env.put("PB_STORE", "kube");
        kube = new Root(Config.load(env, "root", dir, Config.Options.none()), world.parts(null, null));
    }

    @AfterEach
    void cleanUp() {
        world.close();
    }

    static BootcVm vm(String name, String uid, PortForward... ports) {
        BootcVm vm = new BootcVm("default", name, new BootcVmSpec("localhost/pb-fixture:latest"));
        vm.getMetadata().setUid(uid);
        vm.getMetadata().setGeneration(1L);
        vm.getMetadata().setCreationTimestamp("2026-12-01T09:00:00Z");
        if (ports.length > 0) vm.getSpec().setPorts(List.of(ports));
        return vm;
    }

    static Outcome pass(Root root, BootcVm vm) {
        Outcome o = root.core().reconcile(vm, Progress.none());
        vm.setStatus(o.status());
        return o;
    }

    /** Root's VM web, as pb run -B --name web made it: running, with its disk, key and SSH port. */
    private BootcVm rootsWeb() {
        BootcVm web = vm("web", "uid-root");
        file.store().create(web);
        web = file.store().get("default", "web").orElseThrow();
        Outcome o = pass(file, web);
        assertNull(o.failure(), () -> o.failure().getMessage());
        return web;
    }

    private void assertUntouched(BootcVm roots, Domain before) {
        Domain now = world.domains.find("default_web").orElseThrow(() -> new AssertionError("root's domain is gone"));
        assertEquals(before, now, "root's domain: same UUID, state, owner uid and port");
        assertTrue(Files.exists(Path.of(roots.getStatus().getDiskPath())), "root's disk");
        assertTrue(Files.exists(Path.of(roots.getStatus().getSshKeyPath())), "root's key");
    }

    @Test
    void aTenantsVmOfTheSameNameIsAVmOfItsOwnAndItsDeletionLeavesRootsVm() {
        BootcVm roots = rootsWeb();
        Domain before = world.domains.find("default_web").orElseThrow();
        int rootsPort = roots.getStatus().getSshPort();

        BootcVm tenants = vm("web", "uid-tenant", new PortForward(18080, 80));
        Outcome o = pass(kube, tenants);
        assertNull(o.failure(), () -> o.failure().getMessage());
        assertEquals("kube_default_web", tenants.getStatus().getDomainName());
        assertNotEquals(roots.getStatus().getDiskPath(), tenants.getStatus().getDiskPath());
        assertNotEquals(roots.getStatus().getSshKeyPath(), tenants.getStatus().getSshKeyPath());
        assertNotEquals(rootsPort, tenants.getStatus().getSshPort());
        assertEquals("uid-tenant", world.domains.find("kube_default_web").orElseThrow().metadata().ownerUid());
        assertUntouched(roots, before);

        // root's pb list: web once, root's own, not the tenant's as an orphan
        List<VmRow> rows = file.views().list().rows();
        assertEquals(1, rows.size(), rows.toString());
        assertFalse(rows.get(0).orphan());

        // kubectl delete: the tenant's VM goes, root's stays
        tenants.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
        assertTrue(pass(kube, tenants).deleted());
        assertTrue(world.domains.find("kube_default_web").isEmpty());
        assertFalse(Files.exists(Path.of(tenants.getStatus().getDiskPath())), "the tenant's disk is gone");
        assertUntouched(roots, before);

        // and root's SSH port is still root's: a tenant's forward cannot take it
        Outcome taken = pass(kube, vm("grab", "uid-grab", new PortForward(rootsPort, 22)));
        assertEquals(Failure.PortConflict, taken.failure().failure());
        assertTrue(taken.failure().getMessage().contains(Integer.toString(rootsPort)), taken.failure().getMessage());
        assertTrue(world.domains.find("kube_default_grab").isEmpty());
        assertUntouched(roots, before);
    }

    @Test
    void anotherUidOfTheNameInOneStoreIsAnOwnerConflictThatTouchesNothing() {
        BootcVm roots = rootsWeb();
        Domain before = world.domains.find("default_web").orElseThrow();
        BootcVm other = vm("web", "uid-other");
        Outcome o = pass(file, other);
        assertEquals(Failure.OwnerConflict, o.failure().failure());
        assertUntouched(roots, before);
        other.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
        assertTrue(pass(file, other).deleted());
        assertUntouched(roots, before);
    }

    @Test
    void aTenantsNewVmNeverDeletesADiskOfRootsAsLeftBehind() throws Exception {
        BootcVm roots = rootsWeb();
        // root's domain undefined behind pb's back (virsh undefine): root's VM lives, its disk has no domain now
        world.domains.destroy("default_web");
        world.domains.undefine("default_web");
        Object disk = fileKey(roots.getStatus().getDiskPath());
        BootcVm tenants = vm("web", "uid-tenant");
        assertNull(pass(kube, tenants).failure());
        assertEquals(disk, fileKey(roots.getStatus().getDiskPath()), "root's disk, the same file: not deleted as one an earlier VM left behind");
        assertNotEquals(roots.getStatus().getDiskPath(), tenants.getStatus().getDiskPath(), "the tenant's disk is its own");
        assertNotEquals(roots.getStatus().getSshKeyPath(), tenants.getStatus().getSshKeyPath(), "and so is its key");
    }

    private static Object fileKey(String path) throws java.io.IOException {
        return Files.readAttributes(Path.of(path), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    @Test
    void bothStoresAllocateSshPortsFromTheOneRegistry() {
        BootcVm roots = rootsWeb();
        VmLayout fileLayout = file.layout();
        VmLayout kubeLayout = kube.layout();
        assertEquals(fileLayout.ports(), kubeLayout.ports());
        BootcVm tenants = vm("web", "uid-tenant");
        assertNull(pass(kube, tenants).failure());
        assertNotEquals(roots.getStatus().getSshPort(), tenants.getStatus().getSshPort());
        assertTrue(Files.exists(fileLayout.ports().resolve(Integer.toString(tenants.getStatus().getSshPort()))), "recorded in the host's registry");
    }
}
