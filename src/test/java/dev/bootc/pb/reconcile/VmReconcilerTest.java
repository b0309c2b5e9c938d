package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.RunStrategy;
import io.fabric8.kubernetes.api.model.Condition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reconcile core through every phase, against a test double of the world. */
class VmReconcilerTest {
    final FakeWorld world = new FakeWorld();
    final VmReconciler reconciler = new VmReconciler(world, Duration.ofMinutes(5), Duration.ofSeconds(10));

    static BootcVm vm() {
        BootcVm vm = new BootcVm("default", "demo", new BootcVmSpec("localhost/pb-fixture:latest"));
        vm.getMetadata().setUid("uid-1");
        vm.getMetadata().setGeneration(1L);
        return vm;
    }

    private Outcome pass(BootcVm vm) {
        Outcome o = reconciler.reconcile(vm, "missing", s -> { });
        vm.setStatus(o.status());
        return o;
    }

    private static Condition cond(BootcVm vm, String type) {
        return vm.getStatus().condition(type).orElseThrow(() -> new AssertionError("no condition " + type));
    }

    @Test
    void freshVmGoesFromNothingToRunning() {
        BootcVm vm = vm();
        Outcome first = pass(vm);
        assertEquals(List.of("resolve", "build", "files", "define", "start", "probe"), world.calls);
        assertEquals(Phase.Starting, vm.getStatus().getPhase());
        assertEquals("True", cond(vm, Conditions.DISK_READY).getStatus());
        assertEquals("True", cond(vm, Conditions.DOMAIN_READY).getStatus());
        assertEquals("WaitingForSsh", cond(vm, Conditions.SSH_READY).getReason());
        assertTrue(cond(vm, Conditions.SSH_READY).getMessage().contains("connection refused"));
        assertEquals("False", cond(vm, Conditions.READY).getStatus());
        assertEquals(VmReconciler.POLL, first.requeueAfter());
        assertEquals("sha256:feed", vm.getStatus().getImageDigest());
        assertEquals(40022, vm.getStatus().getSshPort());
        assertEquals(1L, vm.getStatus().getObservedGeneration());
        assertEquals(1L, cond(vm, Conditions.READY).getObservedGeneration());

        world.calls.clear();
        world.sshReady = true;
        Outcome second = pass(vm);
        assertEquals(List.of("files", "define", "probe"), world.calls, "no pull, no build, no second start");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("True", cond(vm, Conditions.READY).getStatus());
        assertTrue(second.settled());
    }

    @Test
    void unchangedWorldGivesAnIdenticalStatus() {
        BootcVm vm = vm();
        world.sshReady = true;
        pass(vm);
        var before = Json.tree(vm.getStatus());
        Outcome again = pass(vm);
        assertEquals(before, Json.tree(again.status()), "an unchanged status is identical, so it is not rewritten");
    }

    @Test
    void lastTransitionTimeIsKeptWhileStatusHolds() {
        BootcVm vm = vm();
        world.sshReady = true;
        pass(vm);
        cond(vm, Conditions.READY).setLastTransitionTime("2020-01-01T00:00:00Z");
        pass(vm);
        assertEquals("2020-01-01T00:00:00Z", cond(vm, Conditions.READY).getLastTransitionTime());
        world.destroyBehindOurBack();
        world.sshReady = false;
        pass(vm);
        assertFalse("2020-01-01T00:00:00Z".equals(cond(vm, Conditions.READY).getLastTransitionTime()));
    }

    @Test
    void haltedAndNeverRunProvisionsNothing() {
        BootcVm vm = vm();
        vm.getSpec().setRunStrategy(RunStrategy.Halted);
        Outcome o = pass(vm);
        assertEquals(List.of(), world.calls);
        assertEquals(Phase.Stopped, vm.getStatus().getPhase());
        assertEquals("Halted", cond(vm, Conditions.READY).getReason());
        assertTrue(o.settled());
    }

    @Test
    void haltedRunningVmIsShutDown() {
        BootcVm vm = vm();
        world.sshReady = true;
        pass(vm);
        vm.getSpec().setRunStrategy(RunStrategy.Halted);
        vm.getMetadata().setGeneration(2L);
        world.calls.clear();
        pass(vm);
        assertEquals(List.of("shutdown"), world.calls);
        assertEquals(Phase.Stopped, vm.getStatus().getPhase());
        assertEquals(2L, vm.getStatus().getObservedGeneration());
        assertNull(vm.getStatus().getStartedAt());
        assertEquals("ShutOff", cond(vm, Conditions.DOMAIN_READY).getReason());
    }

    @Test
    void domainDestroyedBehindOurBackIsStartedAgain() {
        BootcVm vm = vm();
        world.sshReady = true;
        pass(vm);
        world.destroyBehindOurBack();
        world.calls.clear();
        pass(vm);
        assertTrue(world.calls.contains("start"), world.calls.toString());
        assertEquals(Phase.Running, vm.getStatus().getPhase());
    }

    @Test
    void imageNotFoundFailsWithItsReason() {
        BootcVm vm = vm();
        world.failResolve = new PbException.NotFound("ImageNotFound", "Image localhost/nope not found: pull it or check the name");
        Outcome o = pass(vm);
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
        assertEquals("ImageNotFound", cond(vm, Conditions.DISK_READY).getReason());
        assertEquals("ImageNotFound", cond(vm, Conditions.READY).getReason());
        assertTrue(vm.getStatus().getMessage().contains("localhost/nope"));
        assertTrue(o.terminal());
        assertNotNull(o.requeueAfter(), "retries, with back-off");
    }

    @Test
    void notBootcAndDiskBuildFailuresAreTyped() {
        BootcVm vm = vm();
        world.failResolve = new PbException.Invalid("NotBootcImage", "Image x is not a bootc image");
        pass(vm);
        assertEquals("NotBootcImage", cond(vm, Conditions.DISK_READY).getReason());
        world.failResolve = null;
        world.failBuild = new PbException.Failed("DiskBuildFailed", "bootc install to-disk failed: no space");
        pass(vm);
        assertEquals("DiskBuildFailed", cond(vm, Conditions.DISK_READY).getReason());
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
    }

    @Test
    void libvirtRefusalLandsOnDomainReady() {
        BootcVm vm = vm();
        world.failDefine = new PbException.Failed("LibvirtError", "Cannot define domain default_demo: permission denied");
        Outcome o = pass(vm);
        assertEquals("True", cond(vm, Conditions.DISK_READY).getStatus());
        assertEquals("LibvirtError", cond(vm, Conditions.DOMAIN_READY).getReason());
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
        assertEquals("LibvirtError", o.failure().reason());
    }

    @Test
    void sshTimeoutFails() {
        BootcVm vm = vm();
        pass(vm);
        vm.getStatus().setStartedAt(Instant.now().minus(Duration.ofMinutes(6)).toString());
        pass(vm);
        assertEquals("SshTimeout", cond(vm, Conditions.SSH_READY).getReason());
        assertTrue(cond(vm, Conditions.SSH_READY).getMessage().contains("serial.log"));
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
    }

    @Test
    void specChangeNeedingRebootSetsRestartRequired() {
        BootcVm vm = vm();
        world.sshReady = true;
        pass(vm);
        world.defineOutcome = World.DefineOutcome.UPDATED_RESTART_REQUIRED;
        vm.getMetadata().setGeneration(2L);
        pass(vm);
        assertEquals("True", cond(vm, Conditions.RESTART_REQUIRED).getStatus());
        assertEquals(Phase.Running, vm.getStatus().getPhase());
    }

    @Test
    void deletionCleansUpAndLetsTheResourceGo() {
        BootcVm vm = vm();
        world.sshReady = true;
        pass(vm);
        vm.getMetadata().setDeletionTimestamp(Instant.now().toString());
        world.calls.clear();
        Outcome o = pass(vm);
        assertEquals(List.of("cleanup"), world.calls);
        assertTrue(o.deleted());
        assertEquals(Phase.Deleting, vm.getStatus().getPhase());
    }
}
