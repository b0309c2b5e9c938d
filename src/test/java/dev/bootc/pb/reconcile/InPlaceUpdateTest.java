package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.testing.FakeWorld;
import dev.bootc.pb.testing.TestClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-place update through the ports: what is shared, staged, rebooted and reported; a fake guest answers as bootc does. */
class InPlaceUpdateTest {
    final FakeWorld world = new FakeWorld();
    final TestClock clock = new TestClock();
    final VmLayout layout = new VmLayout(Path.of("/data"), Path.of("/images"));
    final List<String> phases = new ArrayList<>();
    final Progress progress = phases::add;
    final InPlaceUpdate update = new InPlaceUpdate(world.images, world.domains, world.ssh, layout, Duration.ofMinutes(5), clock,
            d -> clock.advance(d));
    static final String REF = "localhost/os:latest";

    BootcVm vm;

    @BeforeEach
    void aRunningVm() {
        vm = new BootcVm("default", "demo", new BootcVmSpec(REF));
        vm.getMetadata().setUid("uid-1");
        vm.getMetadata().setGeneration(1L);
        world.ssh.ready = true;
        // brought up by the real core, as pb run does
        VmReconciler core = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), clock);
        for (int i = 0; i < 2; i++) vm.setStatus(core.reconcile(vm, Progress.none()).status());
        assertEquals("sha256:feed", vm.getStatus().getGuest().getBooted().getDigest(), "the guest's view, read when it became ready");
        world.calls.clear();
        world.guest.commands.clear();
    }

    @Test
    void aNewDigestIsStagedFromTheSharedStorageAndBootedWithOneReboot() {
        world.images.digests.put(REF, "sha256:2222");
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(false, PullPolicy.IfNotPresent), progress);
        assertEquals(InPlaceUpdate.Outcome.UPDATED, r.outcome());
        assertEquals("sha256:feed", r.before().getDigest());
        assertEquals("sha256:2222", r.after().getDigest());
        assertEquals("sha256:feed", r.guest().getRollback().getDigest(), "the old image is the rollback");
        assertEquals(List.of("resolve", "attachShare", "detachShare"), world.calls, "shared for the stage only");
        assertTrue(world.domains.shares.isEmpty(), "nothing left shared");
        List<String> cmds = world.guest.commands;
        assertTrue(cmds.get(1).contains("mount -t virtiofs -o ro pb-storage /run/pb-storage"), cmds.toString());
        assertTrue(cmds.get(1).contains("bootc switch --transport containers-storage localhost/os:latest"),
                "the installed origin is registry: switch to the host's storage " + cmds);
        assertEquals(1, cmds.stream().filter("systemctl reboot"::equals).count(), "one reboot: " + cmds);
        assertEquals(2, world.guest.bootId);
        assertTrue(phases.contains("Sharing /var/lib/containers/storage read-only with VM demo for the update"), phases.toString());
        assertTrue(phases.contains("Rebooting VM demo"), phases.toString());
    }

    @Test
    void theNextUpgradeOfAGuestThatFollowsTheStorageRunsBootcUpgrade() {
        world.guest.booted = new GuestImage(REF, "containers-storage", "sha256:feed", "v1");
        world.images.digests.put(REF, "sha256:3333");
        update.run(vm, InPlaceUpdate.Request.upgrade(false, PullPolicy.IfNotPresent), progress);
        assertTrue(world.guest.commands.get(1).contains("STORAGE_DRIVER=overlay bootc upgrade;"), world.guest.commands.toString());
    }

    @Test
    void nothingNewStagesNothingAndRebootsNothing() {
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(false, PullPolicy.IfNotPresent), progress);
        assertEquals(InPlaceUpdate.Outcome.UP_TO_DATE, r.outcome());
        assertEquals(List.of("resolve"), world.calls, "no share");
        assertEquals(1, world.guest.commands.size(), "only bootc status: " + world.guest.commands);
        assertEquals(1, world.guest.bootId);
    }

    @Test
    void checkOnlyReportsANewDigest() {
        world.images.digests.put(REF, "sha256:2222");
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(true, PullPolicy.IfNotPresent), progress);
        assertEquals(InPlaceUpdate.Outcome.AVAILABLE, r.outcome());
        assertEquals("sha256:2222", r.hostDigest());
        assertEquals(List.of("resolve"), world.calls);
        assertEquals(1, world.guest.bootId, "no reboot");
        assertNull(world.guest.staged, "nothing staged");
    }

    @Test
    void aSwitchFollowsTheNewReference() {
        world.images.digests.put("localhost/other:v2", "sha256:2222");
        InPlaceUpdate.Result r = update.run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.SWITCH, "localhost/other:v2", false, null), progress);
        assertEquals(InPlaceUpdate.Outcome.UPDATED, r.outcome());
        assertEquals("localhost/other:v2", r.after().getImage());
        assertEquals("containers-storage", r.after().getTransport());
    }

    @Test
    void aRollbackRebootsIntoTheRollbackDeployment() {
        world.images.digests.put(REF, "sha256:2222");
        update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress);
        world.guest.commands.clear();
        world.calls.clear();
        InPlaceUpdate.Result r = update.run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.ROLLBACK, null, false, null), progress);
        assertEquals(InPlaceUpdate.Outcome.ROLLED_BACK, r.outcome());
        assertEquals("sha256:2222", r.before().getDigest());
        assertEquals("sha256:feed", r.after().getDigest());
        assertEquals("sha256:2222", r.guest().getRollback().getDigest());
        assertEquals(List.of(), world.calls, "no image resolved, nothing shared");
        assertTrue(world.guest.commands.contains("bootc rollback"), world.guest.commands.toString());
    }

    @Test
    void aRollbackWithoutARollbackDeploymentChangesNothing() {
        PbException e = assertThrows(PbException.class,
                () -> update.run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.ROLLBACK, null, false, null), progress));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertEquals(1, world.guest.bootId);
    }

    @Test
    void aFailedStageUnplugsTheShareAndRebootsNothing() {
        world.images.digests.put(REF, "sha256:2222");
        world.guest.failStage = "ERROR Switching: Pulling: reference \"localhost/os:latest\" does not exist in containers-storage";
        PbException e = assertThrows(PbException.class, () -> update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertTrue(e.getMessage().contains("does not exist in containers-storage"), e.getMessage());
        assertEquals(List.of("resolve", "attachShare", "detachShare"), world.calls);
        assertTrue(world.domains.shares.isEmpty());
        assertEquals(1, world.guest.bootId, "no reboot");
    }

    @Test
    void aShareLibvirtRefusesIsAnUpdateFailureThatSaysWhatToDo() {
        world.images.digests.put(REF, "sha256:2222");
        world.domains.failAttach = Failure.LibvirtError.with("cannot share /var/lib/containers/storage: No more available PCI slots");
        PbException e = assertThrows(PbException.class, () -> update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertTrue(e.getMessage().endsWith("after pb stop demo && pb start demo)"), e.getMessage());
        assertEquals(1, world.guest.bootId);
        assertNull(world.guest.staged);
    }

    @Test
    void aGuestWithoutBootcCannotBeUpdatedInPlace() {
        world.guest.bootc = false;
        PbException e = assertThrows(PbException.class, () -> update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress));
        assertEquals(Failure.NotUpdatable, e.failure());
        assertTrue(e.getMessage().contains("not implemented"), e.getMessage());
        assertEquals(List.of(), world.calls, "nothing resolved");
    }

    @Test
    void aGuestThatDoesNotComeBackAndCountsNoBootsIsAnSshTimeoutThatSaysWhatToDo() {
        world.images.digests.put(REF, "sha256:2222");
        world.guest.comesBack = false;
        world.guest.editenv = false;
        PbException e = assertThrows(PbException.class, () -> update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress));
        assertEquals(Failure.SshTimeout, e.failure());
        assertTrue(e.getMessage().contains("within 300 s (its reboot"), e.getMessage());
        assertTrue(e.getMessage().contains("counts no boots") && e.getMessage().contains("pb rollback demo"), e.getMessage());
        assertTrue(!world.calls.contains("destroy"), "no power cycle that could not help: " + world.calls);
    }

    @Test
    void aHealthyUpdateCountsItsBootAndThenStopsCounting() {
        world.images.digests.put(REF, "sha256:2222");
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress);
        assertEquals(InPlaceUpdate.Outcome.UPDATED, r.outcome());
        List<String> cmds = world.guest.commands;
        int arm = indexOf(cmds, "boot_counter=1");
        int reboot = cmds.indexOf("systemctl reboot");
        int health = indexOf(cmds, "systemctl is-system-running --wait");
        int disarm = indexOf(cmds, "boot_success=1");
        assertTrue(arm >= 0 && arm < reboot && reboot < health && health < disarm, "arm, reboot, health check, disarm: " + cmds);
        assertNull(world.guest.bootCounter, "counting stopped");
        assertTrue(cmds.get(arm).contains("mount -o remount,rw /boot"), "a read-only /boot is written as greenboot does: " + cmds.get(arm));
    }

    @Test
    void aDeploymentThatNeverAnswersSshIsLeftByAPowerCycleAndTheBootLoadersFallback() {
        world.images.digests.put(REF, "sha256:bad3");
        world.guest.silent.add("sha256:bad3");
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress);
        assertEquals(InPlaceUpdate.Outcome.FAILED, r.outcome());
        assertTrue(r.failure().contains("no SSH answer within 300 s (its reboot into sha256:bad3)"), r.failure());
        assertEquals("sha256:feed", r.after().getDigest(), "the previous deployment boots again");
        assertEquals("sha256:feed", world.guest.booted.getDigest());
        assertEquals(false, world.guest.rollbackQueued, "bootc rollback made it the default again");
        assertEquals("sha256:bad3", r.guest().getRollback().getDigest(), "the failed one is only the rollback now");
        assertTrue(world.calls.containsAll(List.of("destroy", "start")), "a power cycle: " + world.calls);
        assertTrue(world.guest.commands.contains("bootc rollback"), world.guest.commands.toString());
        assertNull(world.guest.bootCounter, "counting stopped once the previous deployment was healthy");
    }

    @Test
    void aBootThatShowedItsLoginPromptAndStillRefusesSshTwoMinutesLaterIsLeftWithoutWaitingOutTheTimeout() {
        world.images.digests.put(REF, "sha256:bad3");
        world.guest.silent.add("sha256:bad3");
        world.guest.console = layout.serialLog(dev.bootc.pb.api.VmKey.of(vm));
        world.domains.bootLog(world.guest.console, "[    0.000000] Linux version 6.12 (the boot before)\r\npb-fixture login: ");
        java.time.Instant began = clock.instant();
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress);
        assertEquals(InPlaceUpdate.Outcome.FAILED, r.outcome());
        assertTrue(r.failure().contains("no SSH answer in the 120 s after its console showed the login prompt (its reboot into sha256:bad3)"), r.failure());
        assertEquals("sha256:feed", world.guest.booted.getDigest(), "the previous deployment boots again");
        Duration took = Duration.between(began, clock.instant());
        assertTrue(took.compareTo(Duration.ofSeconds(150)) < 0, "left about 2 minutes after its prompt, not after the 300 s timeout: " + took);
    }

    @Test
    void theBootBeforesPromptOrAPromptWithoutAKernelBannerDecidesNothing() {
        assertEquals(false, ConsolePrompt.prompted("pb-fixture login: "), "no kernel of a new boot");
        assertEquals(false, ConsolePrompt.prompted("[ 0.0] Linux version 6.12\r\nReached target\r\n"), "no prompt yet");
        assertEquals(true, ConsolePrompt.prompted("x login: \r\n[ 0.0] Linux version 6.12\r\nfedora login: "));
        world.guest.console = layout.serialLog(dev.bootc.pb.api.VmKey.of(vm));
        world.domains.bootLog(world.guest.console, "[    0.000000] Linux version 6.12 (the boot before)\r\npb-fixture login: ");
        ConsolePrompt after = new ConsolePrompt(world.domains, world.guest.console, clock);
        clock.advance(Duration.ofMinutes(10));
        assertEquals(false, after.promptLongAgo(), "what the console wrote before it began is not the new boot's");
    }

    @Test
    void anUnhealthyDeploymentIsRolledBackWithBootcAndOneMoreReboot() {
        world.images.digests.put(REF, "sha256:2222");
        world.guest.unhealthy.add("sha256:2222");
        InPlaceUpdate.Result r = update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress);
        assertEquals(InPlaceUpdate.Outcome.FAILED, r.outcome());
        assertTrue(r.failure().contains("systemctl is-system-running: maintenance"), r.failure());
        assertEquals("sha256:feed", world.guest.booted.getDigest());
        assertEquals(2, world.guest.commands.stream().filter("systemctl reboot"::equals).count(), world.guest.commands.toString());
        assertTrue(!world.calls.contains("destroy"), "no power cycle: it answered");
    }

    @Test
    void theSpecsHealthCheckCommandIsWhatRuns() {
        vm.getSpec().setHealthCheck(new dev.bootc.pb.api.HealthCheck("test-health --strict", 30));
        world.images.digests.put(REF, "sha256:2222");
        update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress);
        assertTrue(world.guest.commands.contains("test-health --strict"), world.guest.commands.toString());
        assertTrue(world.guest.commands.stream().noneMatch(c -> c.contains("is-system-running")), world.guest.commands.toString());
    }

    @Test
    void aPreviousDeploymentThatIsNotHealthyEitherIsAnUpdateFailure() {
        world.images.digests.put(REF, "sha256:2222");
        world.guest.unhealthy.add("sha256:2222");
        world.guest.unhealthy.add("sha256:feed");
        PbException e = assertThrows(PbException.class, () -> update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertTrue(e.getMessage().contains("which is not healthy either"), e.getMessage());
    }

    private static int indexOf(List<String> commands, String part) {
        for (int i = 0; i < commands.size(); i++) if (commands.get(i).contains(part)) return i;
        return -1;
    }

    @Test
    void aStoppedVmIsRefusedBeforeAnything() {
        world.domains.stopBehindOurBack(layout.domainName(dev.bootc.pb.api.VmKey.of(vm)));
        PbException e = assertThrows(PbException.class, () -> update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress));
        assertEquals(Failure.VmNotRunning, e.failure());
        assertEquals(List.of(), world.guest.commands);
    }

    @Test
    void aUserOtherThanRootRunsBootcThroughSudo() {
        vm.getSpec().setSsh(new dev.bootc.pb.api.SshSpec());
        vm.getSpec().getSsh().setUser("core");
        world.images.digests.put(REF, "sha256:2222");
        try {
            update.run(vm, InPlaceUpdate.Request.upgrade(false, null), progress); // the fake guest knows no sudo: how it ends is not the point
        } catch (PbException expected) {
            // ditto
        }
        assertEquals("cat /proc/sys/kernel/random/boot_id && sudo -n sh -c 'bootc status --json'", world.guest.commands.get(0));
        assertTrue(world.guest.commands.stream().skip(1).allMatch(c -> c.startsWith("sudo -n sh -c ") || c.startsWith("cat /proc/sys/kernel/random/boot_id")),
                "every command as root through sudo: " + world.guest.commands);
    }
}
