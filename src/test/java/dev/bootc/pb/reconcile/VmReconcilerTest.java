package dev.bootc.pb.reconcile;


import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.Resources;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Progress;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real reconcile core, every decision included, through every phase; fakes stand only for podman, disks, libvirt and SSH. */
class VmReconcilerTest extends CoreTest {

    static BootcVm vm() {
        return vm("demo", "uid-1");
    }

    private static Condition cond(BootcVm vm, String type) {
        return vm.getStatus().condition(type).orElseThrow(() -> new AssertionError("no condition " + type));
    }

    private void changeSpec(BootcVm vm, java.util.function.Consumer<BootcVmSpec> change) {
        change.accept(vm.getSpec());
        vm.getMetadata().setGeneration(vm.getMetadata().getGeneration() + 1);
    }

    @Test
    void freshVmGoesFromNothingToRunning() {
        BootcVm vm = vm();
        Outcome first = pass(vm);
        assertEquals(List.of("resolve", "build", "overlay", "define", "start", "probe"), world.calls);
        assertEquals(Phase.Starting, vm.getStatus().getPhase());
        assertEquals("True", cond(vm, Conditions.DISK_READY).getStatus());
        assertEquals("True", cond(vm, Conditions.DOMAIN_READY).getStatus());
        assertEquals("WaitingForSsh", cond(vm, Conditions.SSH_READY).getReason());
        assertTrue(cond(vm, Conditions.SSH_READY).getMessage().contains("connection refused"));
        assertEquals("False", cond(vm, Conditions.READY).getStatus());
        assertEquals(VmReconciler.POLL, first.requeueAfter());
        assertEquals("sha256:feed", vm.getStatus().getImageDigest());
        assertEquals("xfs", vm.getStatus().getFilesystem(), "the root file system the disk was built with");
        assertEquals("/cache/k1.qcow2", vm.getStatus().getBaseDisk());
        assertEquals(40022, vm.getStatus().getSshPort());
        assertEquals(1L, vm.getStatus().getObservedGeneration());
        assertEquals(1L, cond(vm, Conditions.READY).getObservedGeneration());

        world.calls.clear();
        world.ssh.ready = true;
        Outcome second = pass(vm);
        assertEquals(List.of("probe"), world.calls, "no pull, no build, no redefinition of an unchanged domain, no second start");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("True", cond(vm, Conditions.READY).getStatus());
        assertNull(second.requeueAfter(), "settled");

        world.calls.clear();
        pass(vm);
        assertEquals(List.of(), world.calls, "a Ready VM's pass (a resync) costs no SSH login");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
    }

    @Test
    void aDiskAnEarlierVmOfTheNameLeftIsNotAdopted() {
        BootcVm vm = vm();
        world.disks.files.add(layout.overlay(dev.bootc.pb.api.VmKey.of(vm)));
        pass(vm);
        assertEquals(List.of("resolve", "build", "overlay", "define", "start", "probe"), world.calls, "provisioned afresh");
        assertEquals("sha256:feed", vm.getStatus().getImageDigest());
    }

    @Test
    void aTenantGetsOnlyTheHostPathsAndAddressesTheAdminAllowsJudgedByWhereTheyLead() {
        VmReconciler forTenants = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), clock,
                dev.bootc.pb.api.NodePolicy.tenants(List.of(), List.of(Path.of("/srv/shares")), List.of()));
        world.ssh.ready = true;
        BootcVm root = vm();
        root.getSpec().setVolumes(List.of(new VolumeMount("/", "/mnt/host", false)));
        Outcome o = forTenants.reconcile(root, Progress.none());
        assertEquals(Failure.HostPathNotAllowed, o.failure().failure());
        assertEquals(Phase.Failed, o.status().getPhase());
        assertTrue(o.status().getMessage().startsWith("spec.volumes[0].hostPath: invalid value \"/\""), o.status().getMessage());
        assertTrue(world.calls.isEmpty(), "nothing made for it: " + world.calls);

        world.disks.links.put(Path.of("/srv/shares/team-a/etc"), Path.of("/etc"));
        BootcVm link = vm();
        link.getSpec().setVolumes(List.of(new VolumeMount("/srv/shares/team-a/etc", "/mnt/etc", false)));
        assertEquals(Failure.HostPathNotAllowed, forTenants.reconcile(link, Progress.none()).failure().failure(),
                "a link under an allowed folder is judged by where it leads");

        world.disks.links.put(Path.of("/srv/shares/team-a/data"), Path.of("/srv/shares/team-a/real-data"));
        BootcVm ok = vm();
        ok.getSpec().setVolumes(List.of(new VolumeMount("/srv/shares/team-a/data", "/mnt/data", false)));
        Outcome fine = forTenants.reconcile(ok, Progress.none());
        assertNull(fine.failure());
        assertEquals(Path.of("/srv/shares/team-a/real-data"), world.domains.specs.get("default_demo").sharedFolders().get(0).hostPath(),
                "libvirt is given where the path leads, checked");

        BootcVm wide = vm();
        wide.getMetadata().setName("wide");
        wide.getSpec().setPorts(List.of(new dev.bootc.pb.api.PortForward(2222, 22)));
        wide.getSpec().getPorts().get(0).setHostIP("0.0.0.0");
        assertEquals(Failure.HostAddressNotAllowed, forTenants.reconcile(wide, Progress.none()).failure().failure());
    }

    @Test
    void aRunningDomainAnEarlierPbDefinedFromTheSameSpecIsRedefinedWithNoRestartRequired() {
        BootcVm vm = vm();
        vm.getSpec().setPorts(List.of(new dev.bootc.pb.api.PortForward(8080, 80)));
        world.ssh.ready = true;
        pass(vm);
        DomainSpec now = world.domains.specs.get("default_demo");
        // what pb 4d22b0e recorded for this VM's domain (the same fakes): its rendering of the XML was older, its spec the same
        assertEquals("ac16bab8f537619d20feee2546a57d68", DesiredDomain.legacyHash(now));
        dev.bootc.pb.port.Domain running = world.domains.domains.get("default_demo");
        world.domains.domains.put("default_demo", new dev.bootc.pb.port.Domain(running.name(), running.uuid(), running.state(),
                now.metadata().withSpecHash("ac16bab8f537619d20feee2546a57d68")));
        world.calls.clear();
        pass(vm);
        assertTrue(vm.getStatus().condition(Conditions.RESTART_REQUIRED).isEmpty(), "an upgrade of pb is no spec change: " + vm.getStatus());
        assertEquals(List.of("define"), world.calls.stream().filter("define"::equals).toList(), "redefined: its next boot gets pb's new XML");
        assertEquals(now.metadata().specHash(), world.domains.specs.get("default_demo").metadata().specHash());
        vm.getSpec().setResources(new Resources("4Gi", 2));
        changeSpec(vm, s -> { });
        pass(vm);
        assertEquals("True", cond(vm, Conditions.RESTART_REQUIRED).getStatus(), "a real spec change of a running VM still asks for one");
    }

    @Test
    void theDesiredDomainIsComputedByTheCore() {
        BootcVm vm = vm();
        vm.getSpec().setResources(new Resources("4Gi", 3));
        vm.getSpec().setVolumes(List.of(new VolumeMount("/srv/data", "/mnt/data", true)));
        world.ssh.ready = true;
        Outcome o = pass(vm);
        var spec = world.domains.specs.get("default_demo");
        assertEquals(4096, spec.memoryMiB());
        assertEquals(3, spec.vcpus());
        assertEquals(layout.overlay(dev.bootc.pb.api.VmKey.of(vm)), spec.diskPath());
        assertEquals(layout.nvram(dev.bootc.pb.api.VmKey.of(vm)), spec.nvramPath());
        assertEquals(40022, spec.sshPort());
        assertEquals("sha256:feed", spec.metadata().digest());
        assertNotNull(spec.metadata().specHash());
        assertEquals(1, spec.sharedFolders().size());
        assertTrue(spec.smbiosStrings().stream().anyMatch(s -> s.contains("fstab.extra=")), "volumes mounted by a credential");
        assertEquals(layout.readOnlyVirtiofsd(), spec.virtiofsdReadOnly(), "a read-only folder is read-only on the host's side");
        assertTrue(o.events().stream().noneMatch(e -> e.warning()), o.events().toString());
    }

    @Test
    void cloudInitBecomesASeedDiskWithTheVmsMetaDataAndAChangeNeedsARestart() {
        BootcVm vm = vm();
        CloudInitSpec ci = new CloudInitSpec();
        ci.setUserData("#cloud-config\nruncmd: [touch, /var/hi]\n");
        vm.getSpec().setCloudInit(ci);
        world.ssh.ready = true;
        pass(vm);
        Path iso = Path.of("/images/vms/default_demo_cidata.iso");
        assertEquals(Map.of("user-data", "#cloud-config\nruncmd: [touch, /var/hi]\n", "meta-data", "instance-id: pb-uid-1\nlocal-hostname: demo\n"),
                world.disks.seeds.get(iso));
        DomainSpec domain = world.domains.specs.get("default_demo");
        assertEquals(iso, domain.cloudInitSeed().iso());
        String firstHash = domain.metadata().specHash();
        assertEquals("Running", vm.getStatus().getPhase().name());

        changeSpec(vm, s -> s.getCloudInit().setUserData("#cloud-config\nruncmd: [touch, /var/other]\n"));
        pass(vm);
        assertNotEquals(firstHash, world.domains.specs.get("default_demo").metadata().specHash(), "new user-data, new domain");
        assertEquals("True", cond(vm, Conditions.RESTART_REQUIRED).getStatus(), "cloud-init reads its seed at boot");

        changeSpec(vm, s -> s.setCloudInit(CloudInitSpec.ofPath("/srv/ci")));
        pass(vm);
        assertEquals(Map.of("folder", "/srv/ci", "meta-data", "instance-id: pb-uid-1\nlocal-hostname: demo\n"), world.disks.seeds.get(iso),
                "a folder's own meta-data wins; the VM's is the default");

        changeSpec(vm, s -> s.setCloudInit(null));
        pass(vm);
        assertNull(world.domains.specs.get("default_demo").cloudInitSeed());
        assertFalse(world.disks.files.contains(iso), "no cloud-init, no seed left");
    }

    @Test
    void theFilesystemIsTheSpecsElseTheImagesElseXfs() {
        BootcVm a = vm();
        pass(a);
        assertEquals(Filesystem.xfs, world.disks.lastOptions.filesystem());
        world.disks.files.clear();
        world.images.declared = Optional.of(Filesystem.ext4);
        pass(vm());
        assertEquals(Filesystem.ext4, world.disks.lastOptions.filesystem());
        world.disks.files.clear();
        BootcVm c = vm();
        c.getSpec().setDisk(new dev.bootc.pb.api.DiskSpec());
        c.getSpec().getDisk().setFilesystem(Filesystem.btrfs);
        pass(c);
        assertEquals(Filesystem.btrfs, world.disks.lastOptions.filesystem());
    }

    @Test
    void unchangedWorldGivesAnIdenticalStatus() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        var before = Json.tree(vm.getStatus());
        Outcome again = pass(vm);
        assertEquals(before, Json.tree(again.status()), "an unchanged status is identical, so it is not rewritten");
    }

    @Test
    void lastTransitionTimeIsKeptWhileStatusHolds() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        cond(vm, Conditions.READY).setLastTransitionTime("2020-01-01T00:00:00Z");
        pass(vm);
        assertEquals("2020-01-01T00:00:00Z", cond(vm, Conditions.READY).getLastTransitionTime());
        world.domains.stopBehindOurBack("default_demo");
        world.ssh.ready = false;
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
        assertNull(o.requeueAfter());
    }

    @Test
    void haltedRunningVmIsShutDown() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        changeSpec(vm, s -> s.setRunStrategy(RunStrategy.Halted));
        world.calls.clear();
        pass(vm);
        assertEquals(List.of("shutdown"), world.calls);
        assertEquals(Phase.Stopped, vm.getStatus().getPhase());
        assertEquals(2L, vm.getStatus().getObservedGeneration());
        assertNull(vm.getStatus().getStartedAt());
        assertEquals("ShutOff", cond(vm, Conditions.DOMAIN_READY).getReason());
    }

    @Test
    void domainStoppedBehindOurBackIsStartedAgain() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        world.domains.stopBehindOurBack("default_demo");
        world.calls.clear();
        pass(vm);
        assertEquals(List.of("start", "probe"), world.calls);
        assertEquals(Phase.Running, vm.getStatus().getPhase());
    }

    @Test
    void imageNotFoundFailsForGoodAndIsNotTriedAgainUntilTheResourceChanges() {
        BootcVm vm = vm();
        world.images.failResolve = Failure.ImageNotFound.with("image localhost/nope not found: pull it or check the name");
        Outcome o = pass(vm);
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
        assertEquals("ImageNotFound", cond(vm, Conditions.DISK_READY).getReason());
        assertEquals("ImageNotFound", cond(vm, Conditions.READY).getReason());
        assertTrue(vm.getStatus().getMessage().contains("localhost/nope"));
        assertTrue(o.terminal());
        assertNull(o.requeueAfter(), "a terminal failure asks for no retry");

        world.calls.clear();
        Outcome again = pass(vm);
        assertEquals(List.of(), world.calls, "not tried again at the same generation");
        assertTrue(again.terminal());
        assertEquals(Failure.ImageNotFound, again.failure().failure());

        world.images.failResolve = null;
        changeSpec(vm, s -> s.setImage("localhost/pb-fixture:other"));
        pass(vm);
        assertTrue(world.calls.contains("resolve"), "a changed resource is tried again: " + world.calls);
    }

    @Test
    void aFailureThatMayHealIsNotTerminal() {
        BootcVm vm = vm();
        world.images.failResolve = Failure.PodmanFailed.with("podman image inspect failed: database is locked");
        Outcome o = pass(vm);
        assertFalse(o.terminal());
        assertEquals(Phase.Pending, vm.getStatus().getPhase());
        world.images.failResolve = null;
        world.ssh.ready = true;
        pass(vm);
        assertEquals(Phase.Running, vm.getStatus().getPhase(), "the next pass tries again and heals");
    }

    @Test
    void notBootcAndDiskBuildFailuresAreTyped() {
        BootcVm vm = vm();
        world.images.failResolve = Failure.NotBootcImage.with("image x is not a bootc image");
        pass(vm);
        assertEquals("NotBootcImage", cond(vm, Conditions.DISK_READY).getReason());
        BootcVm other = vm();
        world.images.failResolve = null;
        world.disks.failBuild = Failure.DiskBuildFailed.with("bootc install to-disk failed: no space");
        pass(other);
        assertEquals("DiskBuildFailed", cond(other, Conditions.DISK_READY).getReason());
        assertEquals(Phase.Failed, other.getStatus().getPhase());
    }

    @Test
    void volumesTheImageCannotHaveAreRefusedAfterThePull() {
        BootcVm vm = vm();
        vm.getSpec().setVolumes(List.of(new VolumeMount("/srv/data", "/data", false)));
        Outcome o = pass(vm);
        assertEquals(Failure.InvalidGuestPath, o.failure().failure());
        assertFalse(world.calls.contains("build"), "refused before a disk is built: " + world.calls);
        world.images.local = true;
        assertThrows(dev.bootc.pb.api.PbException.class, () -> reconciler.precheck(vm), "and before anything is written, when the image is local");
    }

    @Test
    void volumesOnASessionLibvirtThatCannotShareThemAreRefusedBeforeAnythingIsWritten() {
        BootcVm vm = vm();
        vm.getSpec().setVolumes(List.of(new VolumeMount("/srv/data", "/mnt/data", false)));
        world.domains.volumesRefused = Optional.of("volumes (-v) on qemu:///session need libvirt 10.0 or newer (this host has 9.0.0): "
                + "leave out -v, or run pb as root");
        dev.bootc.pb.api.PbException e = assertThrows(dev.bootc.pb.api.PbException.class, () -> reconciler.precheck(vm));
        assertEquals("VirtiofsdMissing", e.reason());
        assertTrue(e.getMessage().contains("need libvirt 10.0 or newer"), e.getMessage());
        Outcome o = pass(vm);
        assertEquals(Failure.VirtiofsdMissing, o.failure().failure(), "and a resource written some other way fails the same way");
        assertFalse(world.calls.contains("define"), world.calls.toString());
    }

    @Test
    void libvirtRefusalLandsOnDomainReady() {
        BootcVm vm = vm();
        world.domains.failDefine = Failure.LibvirtError.with("Cannot define domain default_demo: permission denied");
        Outcome o = pass(vm);
        assertEquals("True", cond(vm, Conditions.DISK_READY).getStatus());
        assertEquals("LibvirtError", cond(vm, Conditions.DOMAIN_READY).getReason());
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
        assertEquals(Failure.LibvirtError, o.failure().failure());
    }

    @Test
    void sshTimeoutFailsNamingTheSerialLog() {
        BootcVm vm = vm();
        pass(vm);
        clock.advance(Duration.ofMinutes(6));
        pass(vm);
        assertEquals("SshTimeout", cond(vm, Conditions.SSH_READY).getReason());
        assertTrue(cond(vm, Conditions.SSH_READY).getMessage().contains("serial.log"));
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
    }

    @Test
    void theSshTimeoutNeverFiresEarlyThoughStartedAtHasWholeSeconds() {
        BootcVm vm = vm();
        clock.advance(Duration.ofMillis(900)); // started at 10:00:00.900, recorded as 10:00:00
        pass(vm);
        clock.advance(Duration.ofMinutes(5).minusMillis(100)); // 299.9 s after the start
        pass(vm);
        assertEquals("WaitingForSsh", cond(vm, Conditions.SSH_READY).getReason(), "not before PB_SSH_TIMEOUT has passed");
        clock.advance(Duration.ofMillis(1200)); // 301.1 s after
        pass(vm);
        assertEquals("SshTimeout", cond(vm, Conditions.SSH_READY).getReason());
    }

    @Test
    void theSshWaitCountsFromTheDomainsStartNotFromAPassThatPulledAndBuiltForLong() {
        BootcVm vm = vm();
        world.disks.duringBuild = () -> clock.advance(Duration.ofMinutes(12)); // a slow pull and an installer VM's build
        pass(vm);
        assertEquals("2026-12-01T10:12:00Z", vm.getStatus().getStartedAt(), "startedAt is when the domain started");
        assertEquals("WaitingForSsh", cond(vm, Conditions.SSH_READY).getReason(), "the first pass never times out its own boot");
        clock.advance(Duration.ofMinutes(4));
        pass(vm);
        assertEquals("WaitingForSsh", cond(vm, Conditions.SSH_READY).getReason(), "4 min after the start, 16 after the pass began");
        world.ssh.ready = true;
        pass(vm);
        assertEquals(Phase.Running, vm.getStatus().getPhase());
    }

    /** The SshTimeout message of a boot whose console shows {@code log}, last written {@code silentFor} before the timeout. */
    private String sshTimeoutWith(String log, Duration silentFor) {
        BootcVm vm = vm();
        pass(vm);
        world.domains.serialLog = log;
        clock.advance(Duration.ofMinutes(6));
        world.domains.serialLogWritten = silentFor == null ? null : clock.instant().minus(silentFor);
        pass(vm);
        assertEquals("SshTimeout", cond(vm, Conditions.SSH_READY).getReason());
        return cond(vm, Conditions.SSH_READY).getMessage();
    }

    @Test
    void anSshTimeoutQuotesTheConsolesLastLineAndHowLongAgoItWasWritten() {
        String m = sshTimeoutWith("[    2.1] Run /init as init process\r\n[\u001b[0;32m  OK  \u001b[0m] Reached target "
                + "\u001b[0;1;39mmulti-user.target\u001b[0m - Multi-User System.\r\n\r\n \r\n", Duration.ofSeconds(250));
        assertEquals("VM demo gave no SSH answer on 127.0.0.1:40022 within 300 s (connection refused): the console's last line, 250 s ago: "
                + "\"[  OK  ] Reached target multi-user.target - Multi-User System.\"; see /data/vms/default/demo/serial.log", m);
    }

    @Test
    void anSshTimeoutNamesAGuestKernelCrashAndWhereItHappened() {
        String m = sshTimeoutWith("""
                [   14.012345] systemd[1]: Started systemd-udevd.service - Rule-based Manager for Device Events and Files.
                [   14.561830] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI
                [   14.562412] CPU: 1 UID: 0 PID: 180 Comm: (udev-worker) Not tainted 6.12.57+deb13-amd64 #1  Debian 6.12.57-1
                [   14.563012] Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 2022.11-6+deb12u2 01/01/2023
                [   14.563500] RIP: 0010:enqueue_task_fair+0x4e/0x6d0
                [   14.563900] Code: 41 57 41 56 41 55 41 54 55 53 48 83 ec 10 cc 8b 47 30
                [   14.570000] Kernel panic - not syncing: Fatal exception in interrupt
                [   14.580000] ---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---
                """, Duration.ofSeconds(285));
        assertTrue(m.contains("(connection refused): the guest kernel crashed: \"[   14.561830] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\" "
                + "at enqueue_task_fair+0x4e/0x6d0; the console's last line, 285 s ago: "
                + "\"[   14.580000] ---[ end Kernel panic - not syncing: Fatal exception in interrupt ]---\"; see /data/vms/default/demo/serial.log"), m);
    }

    @Test
    void anSshTimeoutNamesAPanicAStallAndEmergencyModeAsSuch() {
        String panic = sshTimeoutWith("[    3.2] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n", Duration.ofSeconds(296));
        assertTrue(panic.contains(": the guest kernel panicked: \"[    3.2] Kernel panic - not syncing: VFS: Unable to mount root fs on "
                + "unknown-block(0,0)\";"), panic);
        String lockup = sshTimeoutWith("[   40.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [systemd-udevd:180]\n"
                + "[   40.1] RIP: 0010:native_queued_spin_lock_slowpath+0x6b/0x2d0\n", Duration.ofSeconds(20));
        assertTrue(lockup.contains(": the guest kernel is stuck: \"[   40.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [systemd-udevd:180]\" "
                + "at native_queued_spin_lock_slowpath+0x6b/0x2d0;"), lockup);
        String stall = sshTimeoutWith("[   61.0] rcu: INFO: rcu_sched self-detected stall on CPU\n[   61.0] rcu: \t1-....: (5249 ticks this GP)\n",
                Duration.ofSeconds(3));
        assertTrue(stall.contains(": the guest kernel is stuck: \"[   61.0] rcu: INFO: rcu_sched self-detected stall on CPU\";"), stall);
        String emergency = sshTimeoutWith("You are in emergency mode. After logging in, type \"journalctl -xb\" to view system logs.\n",
                Duration.ofSeconds(200));
        assertTrue(emergency.contains(": the guest's systemd is in emergency mode: \"You are in emergency mode."), emergency);
    }

    @Test
    void theQuotedConsoleLineIsOneBoundedLineWithoutControlCharacters() {
        String m = sshTimeoutWith("[    9.9] " + "x".repeat(5000) + "\u0007\u001b[K\n", Duration.ofSeconds(1));
        assertTrue(m.contains("1 s ago: \"") && m.contains("; see "), m);
        String quoted = m.substring(m.indexOf("1 s ago: \"") + 9, m.indexOf("; see "));
        assertEquals(200 + 2, quoted.length(), "at most 200 characters between the quotes: " + quoted);
        assertTrue(quoted.endsWith("x...\""), quoted);
        assertFalse(m.chars().anyMatch(Character::isISOControl), m);
    }

    @Test
    void anSshTimeoutSaysWhenTheConsoleWroteNothing() {
        String none = sshTimeoutWith("", null);
        assertTrue(none.endsWith("(connection refused): the console wrote nothing (no /data/vms/default/demo/serial.log)"), none);
        String blank = sshTimeoutWith("\u001b[2J\u001b[01;01H\r\n", Duration.ofSeconds(299));
        assertTrue(blank.endsWith("(connection refused): the console wrote nothing legible, last 299 s ago; see /data/vms/default/demo/serial.log"), blank);
    }

    @Test
    void secureBootRefusalIsReadFromTheSerialLog() {
        BootcVm vm = vm();
        vm.getSpec().setFirmware(dev.bootc.pb.api.Firmware.uefi_secure);
        world.domains.serialLog = "BdsDxe: failed to load Boot0001 \"UEFI Misc Device\" from PciRoot(0x0): Access Denied\n";
        Outcome o = pass(vm);
        assertEquals(Failure.SecureBootRefused, o.failure().failure());
        assertEquals(Phase.Failed, vm.getStatus().getPhase());
    }

    @Test
    void specChangeNeedingRebootSetsRestartRequired() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        changeSpec(vm, s -> s.setResources(new Resources("4Gi", null)));
        world.calls.clear();
        pass(vm);
        assertEquals(List.of("define"), world.calls, "redefined, not restarted (and no login: the same boot answered SSH)");
        assertEquals("True", cond(vm, Conditions.RESTART_REQUIRED).getStatus());
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        world.domains.stopBehindOurBack("default_demo");
        pass(vm);
        assertTrue(vm.getStatus().condition(Conditions.RESTART_REQUIRED).isEmpty(), "a new boot applies the change");
    }

    @Test
    void aSpecChangeOfAStoppedDomainIsDefinedQuietly() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        changeSpec(vm, s -> s.setRunStrategy(RunStrategy.Halted));
        pass(vm);
        changeSpec(vm, s -> {
            s.setRunStrategy(RunStrategy.Always);
            s.setResources(new Resources(null, 4));
        });
        pass(vm);
        assertEquals(4, world.domains.specs.get("default_demo").vcpus());
        assertTrue(vm.getStatus().condition(Conditions.RESTART_REQUIRED).isEmpty());
    }

    @Test
    void deletionCleansUpAndLetsTheResourceGo() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        vm.getMetadata().setDeletionTimestamp("2026-12-01T10:05:00Z");
        world.calls.clear();
        Outcome o = pass(vm);
        assertEquals(List.of("destroy", "undefine"), world.calls);
        assertTrue(o.deleted());
        assertEquals(Phase.Deleting, vm.getStatus().getPhase());
        assertFalse(world.disks.exists(layout.overlay(dev.bootc.pb.api.VmKey.of(vm))), "the overlay is gone");
        assertTrue(world.ssh.ports.isEmpty(), "the port is given back");
    }

    @Test
    void anOrphanIsRemovedAsADeletionWould() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        world.calls.clear();
        reconciler.removeOrphan(world.domains.find("default_demo").orElseThrow());
        assertEquals(List.of("destroy", "undefine"), world.calls);
        assertTrue(world.domains.domains.isEmpty());
        assertTrue(world.ssh.ports.isEmpty());
    }

    @Test
    void theGuestsViewIsReadWhenTheVmBecomesReadyAndNotOnAResync() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        assertEquals("sha256:feed", vm.getStatus().getGuest().getBooted().getDigest(), "from bootc status --json");
        assertEquals("registry", vm.getStatus().getGuest().getBooted().getTransport());
        assertEquals(List.of("bootc status --json"), world.guest.commands);
        world.guest.commands.clear();
        pass(vm);
        assertEquals(List.of(), world.guest.commands, "a resync of a Ready VM logs in for nothing");
        assertEquals("sha256:feed", vm.getStatus().getGuest().getBooted().getDigest(), "kept");
    }

    @Test
    void aGuestWithoutBootcHasNoViewAndIsReadyAllTheSame() {
        world.guest.bootc = false;
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        assertEquals("True", cond(vm, Conditions.READY).getStatus());
        assertNull(vm.getStatus().getGuest());
    }

    @Test
    void anInPlaceUpdateOfTheDigestOrTheImageAsksForNoRestart() {
        BootcVm vm = vm();
        world.ssh.ready = true;
        pass(vm);
        world.calls.clear();
        // what pb upgrade and pb switch leave: a new digest booted in the guest, the spec following another reference
        vm.getStatus().setImageDigest("sha256:2222");
        changeSpec(vm, s -> s.setImage("localhost/other:v2"));
        pass(vm);
        assertTrue(vm.getStatus().condition(Conditions.RESTART_REQUIRED).isEmpty(),
                vm.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus() + " " + c.getMessage()).toList().toString());
        assertEquals(List.of("define"), world.calls, "the domain's metadata follows, quietly");
        DomainSpec defined = world.domains.specs.get(layout.domainName(dev.bootc.pb.api.VmKey.of(vm)));
        assertEquals("localhost/other:v2", defined.metadata().image());
        assertEquals("sha256:2222", defined.metadata().digest());
    }
}
