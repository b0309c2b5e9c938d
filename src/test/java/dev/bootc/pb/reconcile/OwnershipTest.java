package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.PbMetadata;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A domain, and the disk, key and port it records, are adopted only by the resource whose uid it records
 * (issue 21, item 5): another resource of the same name is a terminal OwnerConflict that touches nothing,
 * not even when it is deleted or halted; an orphan is removed only when it is this store's. The real core
 * on fakes.
 */
class OwnershipTest extends CoreTest {
    static final List<String> TOUCHING = List.of("resolve", "build", "overlay", "seed", "define", "start", "shutdown", "destroy", "undefine");

    final VmKey web = new VmKey("default", "web");
    BootcVm roots;
    Domain rootsDomain;
    Path keyFile;

    static BootcVm vm(String uid) {
        return vm("web", uid);
    }

    /** Root's VM web runs: its domain, disk, key (a file in its folder) and SSH port exist. */
    @BeforeEach
    void rootsVmRuns() {
        roots = vm("uid-root");
        world.ssh.ready = true;
        assertNull(pass(roots).failure());
        rootsDomain = world.domains.find("default_web").orElseThrow();
        keyFile = layout.vmDir(web).resolve("id_ed25519");
        world.disks.files.add(keyFile);
        world.calls.clear();
    }

    private void assertRootsVmUntouched() {
        Domain now = world.domains.find("default_web").orElseThrow(() -> new AssertionError("root's domain is gone"));
        assertEquals(rootsDomain, now, "root's domain: same UUID, state and metadata (uid " + now.metadata().ownerUid() + ")");
        assertTrue(world.disks.exists(layout.overlay(web)), "root's disk is there");
        assertTrue(world.disks.exists(keyFile), "root's key is there");
        assertEquals(roots.getStatus().getSshPort(), world.ssh.ports.get(web.toString()), "root's port is root's");
        assertEquals(List.of(), world.calls.stream().filter(TOUCHING::contains).toList(), "nothing was done to root's VM");
    }

    @Test
    void anotherUidOfTheSameNameIsAConflictThatTouchesNothing() {
        BootcVm tenants = vm("uid-tenant");
        Outcome o = pass(tenants);
        assertTrue(o.failure() != null, "not adopted");
        assertEquals(Failure.OwnerConflict, o.failure().failure());
        assertTrue(o.failure().terminal());
        String msg = o.failure().getMessage();
        assertTrue(msg.contains("default_web") && msg.contains("uid-root") && msg.contains("uid-tenant"), msg);
        assertFalse(msg.contains("\n"), msg);
        assertEquals(Failure.OwnerConflict.reason(), tenants.getStatus().condition(Conditions.READY).orElseThrow().getReason());
        assertNull(tenants.getStatus().getDomainUUID(), "the other VM's domain is not this one's");
        assertNull(tenants.getStatus().getSshPort(), "nor its port");
        assertNull(tenants.getStatus().getDiskPath(), "nor its disk");
        assertNull(tenants.getStatus().getSshKeyPath(), "nor its key");
        assertEquals(dev.bootc.pb.api.Phase.Failed, tenants.getStatus().getPhase(), "this VM does not run: the one running is another's");
        assertRootsVmUntouched();

        // terminal: the next pass does not try again
        assertEquals(Failure.OwnerConflict, pass(tenants).failure().failure());
        assertRootsVmUntouched();
    }

    @Test
    void haltingTheOtherUidDoesNotStopTheDomain() {
        BootcVm tenants = vm("uid-tenant");
        tenants.getSpec().setRunStrategy(RunStrategy.Halted);
        Outcome o = pass(tenants);
        assertEquals(Failure.OwnerConflict, o.failure().failure());
        assertTrue(world.domains.find("default_web").orElseThrow().running(), "root's VM still runs");
        assertRootsVmUntouched();
    }

    @Test
    void deletingTheOtherUidRemovesNothingOfRootsVm() {
        BootcVm tenants = vm("uid-tenant");
        pass(tenants);
        tenants.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
        Outcome o = pass(tenants);
        assertTrue(o.deleted(), "the resource may go");
        assertRootsVmUntouched();
    }

    @Test
    void theSameUidAdoptsItsDomainAndALegacyDomainWithoutUidIsAdopted() {
        BootcVm again = vm("uid-root");
        again.setStatus(roots.getStatus());
        assertNull(pass(again).failure());
        // a domain defined before pb recorded uids
        DomainSpec legacy = world.domains.specs.get("default_web");
        PbMetadata m = legacy.metadata();
        world.domains.domains.put("default_web", new Domain("default_web", rootsDomain.uuid(), Domain.State.RUNNING,
                new PbMetadata(m.ownerNamespace(), m.ownerName(), null, m.image(), m.digest(), m.sshPort(), m.sshUser(), m.sshKeyPath(),
                        m.created(), m.specHash())));
        BootcVm other = vm("uid-new");
        other.setStatus(roots.getStatus());
        assertNull(pass(other).failure(), "nothing recorded to compare: adopted as before");
    }

    @Test
    void anOrphanOfAnotherStoreOrAnotherNameIsNeverRemovedAsThisStoresOrphan() {
        // the Kubernetes store's domain of default/web, beside root's file-store VM of the same name
        world.domains.define(DomainSpec.builder("kube_default_web").accel(Accel.TCG).arch(HostArch.X86_64)
                .diskPath(Path.of("/images/kube/vms/kube_default_web.qcow2")).nvramPath(Path.of("/images/kube/vms/kube_default_web_VARS.fd"))
                .sshPort(40099)
                .metadata(new PbMetadata("default", "web", "uid-tenant", "localhost/x", null, 40099, "root", "/data/kube/vms/default/web/id_ed25519",
                        Instant.parse("2026-12-01T09:00:00Z"), null))
                .build());
        // a domain whose name is not the one this store gives the owner it records
        world.domains.define(DomainSpec.builder("default_other").accel(Accel.TCG).arch(HostArch.X86_64)
                .diskPath(Path.of("/images/vms/default_other.qcow2")).nvramPath(Path.of("/images/vms/default_other_VARS.fd"))
                .sshPort(40098)
                .metadata(new PbMetadata("default", "web", "uid-x", "localhost/x", null, 40098, "root", null, null, null))
                .build());
        rootsDomain = world.domains.find("default_web").orElseThrow();
        world.calls.clear();
        for (String name : List.of("kube_default_web", "default_other")) {
            Domain foreign = world.domains.find(name).orElseThrow();
            assertThrows(RuntimeException.class, () -> reconciler.removeOrphan(foreign), name);
            assertTrue(world.domains.find(name).isPresent(), name + " is still there");
        }
        assertRootsVmUntouched();
    }
}
