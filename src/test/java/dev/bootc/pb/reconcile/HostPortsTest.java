package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PortForward;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Progress;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host port is one VM's at a time (issue 21, item 4): its SSH port or one of its forwards, running or
 * stopped. Another VM asking for it gets a terminal PortConflict naming the holder, and nothing is made
 * for it; SSH ports are never handed out on a port a forward holds. The real core; the fake SSH port keeps
 * the host's port registry as a dumb table.
 */
class HostPortsTest extends CoreTest {

    static BootcVm vm(String name, PortForward... ports) {
        BootcVm vm = vm(name, "uid-" + name);
        if (ports.length > 0) vm.getSpec().setPorts(List.of(ports));
        return vm;
    }

    private BootcVm running(String name, PortForward... ports) {
        BootcVm vm = vm(name, ports);
        world.ssh.ready = true;
        Outcome o = pass(vm);
        assertNull(o.failure(), () -> name + ": " + o.failure().getMessage());
        return vm;
    }

    private void assertConflict(Outcome o, String holder, int port) {
        assertTrue(o.failure() != null, "a conflict, not a VM");
        assertEquals(Failure.PortConflict, o.failure().failure());
        assertTrue(o.failure().terminal(), "terminal: no retry until the spec changes");
        String msg = o.failure().getMessage();
        assertTrue(msg.contains(holder) && msg.contains(Integer.toString(port)), "names the other VM and the port: " + msg);
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertEquals(Failure.PortConflict.reason(), o.status().condition(Conditions.READY).orElseThrow().getReason());
    }

    @Test
    void aForwardOnAnotherVmsSshPortIsAConflictAndNothingIsMade() {
        BootcVm a = running("a");
        int sshOfA = a.getStatus().getSshPort();
        world.calls.clear();

        BootcVm b = vm("b", new PortForward(sshOfA, 80));
        Outcome o = pass(b);
        assertConflict(o, "a", sshOfA);
        assertFalse(world.domains.specs.containsKey("default_b"), "no domain for b");
        assertFalse(world.calls.contains("start"), "nothing started: " + world.calls);
        assertFalse(world.calls.contains("build"), "refused before a disk is built for minutes: " + world.calls);
        assertEquals(sshOfA, world.domains.specs.get("default_a").sshPort(), "a keeps its port");

        // a's SSH port is still a's: its next pass claims it again without a conflict
        Outcome again = pass(a);
        assertNull(again.failure());
        assertEquals(sshOfA, a.getStatus().getSshPort());
    }

    @Test
    void aStoppedVmsForwardIsStillItsPort() {
        BootcVm a = running("a", new PortForward(8080, 80));
        a.getSpec().setRunStrategy(RunStrategy.Halted);
        a.getMetadata().setGeneration(2L);
        pass(a);
        assertFalse(world.domains.domains.get("default_a").running(), "a is stopped");

        Outcome o = pass(vm("b", new PortForward(8080, 80)));
        assertConflict(o, "a", 8080);
        assertFalse(world.domains.specs.containsKey("default_b"));

        // and a starts again on its own port
        a.getSpec().setRunStrategy(RunStrategy.Always);
        a.getMetadata().setGeneration(3L);
        assertNull(pass(a).failure());
        assertEquals(8080, world.domains.specs.get("default_a").forwards().get(0).hostPort());
    }

    @Test
    void sshPortsAreNeverHandedOutOnAForwardedPort() {
        // the fake hands out SSH ports from 40022 up: a VM forwarding 40022 and 40023 pushes SSH past both
        BootcVm a = running("a", new PortForward(40022, 80), new PortForward(40023, 443));
        int sshOfA = a.getStatus().getSshPort();
        assertNotEquals(40022, sshOfA, "not its own forward");
        assertNotEquals(40023, sshOfA);
        BootcVm b = running("b");
        assertFalse(List.of(40022, 40023, sshOfA).contains(b.getStatus().getSshPort()), "not another VM's forward or SSH port");
    }

    @Test
    void aForwardOnTheVmsOwnSshPortIsAConflictToo() {
        BootcVm a = running("a");
        int ssh = a.getStatus().getSshPort();
        a.getSpec().setPorts(List.of(new PortForward(ssh, 80)));
        a.getMetadata().setGeneration(2L);
        Outcome o = pass(a);
        assertConflict(o, "a", ssh);
        assertEquals(List.of(), world.domains.specs.get("default_a").forwards(), "the domain keeps its old forwards");
    }

    @Test
    void aStatusThatNamesAnotherVmsPortDoesNotTakeIt() {
        BootcVm a = running("a");
        int sshOfA = a.getStatus().getSshPort();
        BootcVm b = vm("b");
        b.setStatus(new dev.bootc.pb.api.BootcVmStatus());
        b.getStatus().setSshPort(sshOfA);
        Outcome o = pass(b);
        assertConflict(o, "a", sshOfA);
        assertFalse(world.domains.specs.containsKey("default_b"));
        assertNull(pass(a).failure(), "a still holds its port");
    }

    @Test
    void removingAVmGivesBackItsForwards() {
        BootcVm a = running("a", new PortForward(8080, 80));
        a.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
        assertTrue(pass(a).deleted());
        running("b", new PortForward(8080, 80));
        assertEquals(8080, world.domains.specs.get("default_b").forwards().get(0).hostPort());
    }

    @Test
    void aForwardDroppedFromTheSpecIsGivenBack() {
        BootcVm a = running("a", new PortForward(8080, 80));
        a.getSpec().setPorts(List.of(new PortForward(8081, 80)));
        a.getMetadata().setGeneration(2L);
        assertNull(pass(a).failure());
        running("b", new PortForward(8080, 80));
        assertConflict(pass(vm("c", new PortForward(8081, 80))), "a", 8081);
    }

    @Test
    void tcpAndUdpPortsOfOneNumberAreTwoPorts() {
        running("a", new PortForward(5353, 53));
        PortForward udp = new PortForward(5353, 53);
        udp.setProtocol(dev.bootc.pb.api.Protocol.udp);
        running("b", udp);
        assertConflict(pass(vm("c", new PortForward(5353, 53))), "a", 5353);
    }

    @Test
    void theCliPrecheckRefusesATakenPortBeforeAnythingIsWritten() {
        BootcVm a = running("a", new PortForward(8080, 80));
        int sshOfA = a.getStatus().getSshPort();
        world.calls.clear();
        BootcVm b = vm("b", new PortForward(sshOfA, 22));
        b.getMetadata().setUid(null); // not stored yet
        PbException e = assertThrows(PbException.class, () -> reconciler.precheck(b));
        assertEquals(Failure.PortConflict, e.failure());
        assertTrue(e.getMessage().contains("a") && e.getMessage().contains(Integer.toString(sshOfA)), e.getMessage());
        PbException f = assertThrows(PbException.class, () -> reconciler.precheck(vm("c", new PortForward(8080, 80))));
        assertTrue(f.getMessage().contains("8080"), f.getMessage());
        assertEquals(List.of(), world.calls, "a precheck makes nothing");
        reconciler.precheck(vm("d", new PortForward(8082, 80))); // a free port passes
    }

    @Test
    void aTenantsForwardBindsLoopbackInTheDomainAndOtherAddressesAreRefused() {
        VmReconciler tenants = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), clock,
                NodePolicy.tenants(List.of(), List.of(), List.of("192.0.2.10")));
        BootcVm plain = vm("plain", new PortForward(8080, 80));
        assertNull(tenants.reconcile(plain, Progress.none()).failure());
        DomainSpec.HostForward f = world.domains.specs.get("default_plain").forwards().get(0);
        assertEquals("127.0.0.1", f.hostIp(), "no address given: loopback");

        PortForward allowed = new PortForward(8081, 80);
        allowed.setHostIP("192.0.2.10");
        assertNull(tenants.reconcile(vm("allowed", allowed), Progress.none()).failure());
        assertEquals("192.0.2.10", world.domains.specs.get("default_allowed").forwards().get(0).hostIp());

        PortForward any = new PortForward(8082, 80);
        any.setHostIP("0.0.0.0");
        Outcome o = tenants.reconcile(vm("any", any), Progress.none());
        assertEquals(Failure.HostAddressNotAllowed, o.failure().failure());
        assertFalse(world.domains.specs.containsKey("default_any"), "no domain binds 0.0.0.0");

        // the host's own user (the file store) binds what they name
        assertNull(pass(vm("owners", any)).failure());
        assertEquals("0.0.0.0", world.domains.specs.get("default_owners").forwards().get(0).hostIp());
    }
}
