package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.SshSpec;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.testing.FakeWorld;
import dev.bootc.pb.testing.TestClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Volumes on guests whose systemd ignores fstab.extra (252: CentOS Stream 9, RHEL 9): the version learnt with the
 * image and kept, the mounts made over root's SSH at each start, refusals up front. The real core on fakes.
 */
class GuestMountsTest {
    final FakeWorld world = new FakeWorld();
    final VmLayout layout = new VmLayout(Path.of("/data"), Path.of("/images"));
    final VmReconciler reconciler = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
            new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), new TestClock());

    static BootcVm vm(VolumeMount... volumes) {
        BootcVmSpec spec = new BootcVmSpec("quay.io/centos-bootc/centos-bootc:stream9");
        spec.setVolumes(new java.util.ArrayList<>(List.of(volumes)));
        BootcVm vm = new BootcVm("default", "c9", spec);
        vm.getMetadata().setUid("uid-1");
        vm.getMetadata().setGeneration(1L);
        vm.getMetadata().setCreationTimestamp("2026-12-01T09:00:00Z");
        return vm;
    }

    static VolumeMount share() {
        return new VolumeMount("/srv/share", "/mnt/share", false);
    }

    static VolumeMount ro() {
        return new VolumeMount("/srv/ro", "/mnt/ro", true);
    }

    Outcome pass(BootcVm vm) {
        Outcome o = reconciler.reconcile(vm, Progress.none());
        vm.setStatus(o.status());
        return o;
    }

    DomainSpec domain() {
        return world.domains.specs.get("default_c9");
    }

    static String decoded(String smbios) {
        return new String(Base64.getDecoder().decode(smbios.substring(smbios.indexOf('=') + 1)), StandardCharsets.UTF_8);
    }

    String condition(BootcVm vm, String type) {
        return vm.getStatus().condition(type).map(c -> c.getStatus() + " " + c.getReason() + ": " + c.getMessage()).orElse("none");
    }

    /** A VM of a systemd-252 image, booted and answering SSH. */
    BootcVm running252(VolumeMount... volumes) {
        world.images.systemd = OptionalInt.of(252);
        BootcVm vm = vm(volumes);
        pass(vm);
        world.ssh.ready = true;
        pass(vm);
        return vm;
    }

    @Test
    void onSystemd252TheVolumesAreMountedAsRootOverSshOnceItAnswersAndReadyWaitsForThem() {
        world.images.systemd = OptionalInt.of(252);
        BootcVm vm = vm(share(), ro());
        pass(vm);
        assertEquals(252, vm.getStatus().getSystemdVersion(), "learnt with the image, kept in the status");
        assertEquals(252, world.disks.built.get(0).systemdVersion(), "and in the base disk's metadata");
        assertEquals("False WaitingForSsh: The volumes are mounted over SSH once it answers", condition(vm, Conditions.VOLUMES_READY));
        List<String> smbios = domain().smbiosStrings();
        assertFalse(smbios.stream().anyMatch(s -> s.contains("fstab.extra")), "252 ignores it: " + smbios);
        List<DomainSpec.SharedFolder> folders = domain().sharedFolders();
        assertTrue(smbios.contains("io.systemd.credential:" + GuestMounts.token(folders.get(0)) + "=pb-vol0"), smbios.toString());
        assertTrue(smbios.contains("io.systemd.credential:" + GuestMounts.token(folders.get(1)) + "=pb-vol1"), smbios.toString());

        world.ssh.ready = true;
        world.calls.clear();
        Outcome o = pass(vm);
        assertEquals(List.of("probe", "script"), world.calls);
        Ssh.Target t = world.ssh.scriptTargets.get(0);
        assertEquals(new Ssh.Target("127.0.0.1", 40022, "root", Path.of("/data/vms/default/c9/id_ed25519"), layout.knownHosts(VmKey.of(vm))), t);
        assertEquals(GuestMounts.script(folders), world.ssh.scripts.get(0));
        assertEquals("True Mounted: Mounted over SSH (systemd units, kept across reboots): /mnt/share, /mnt/ro",
                condition(vm, Conditions.VOLUMES_READY));
        assertEquals("True", vm.getStatus().condition(Conditions.READY).orElseThrow().getStatus());
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertNull(o.failure());

        world.calls.clear();
        pass(vm);
        assertEquals(List.of(), world.calls, "mounted in this boot: a resync neither logs in nor mounts again");
        assertEquals(1, world.images.systemdAsked.get(), "the image is asked once");
    }

    @Test
    void afterStopAndStartTheUnitsAreWrittenAgainFromTheSpec() {
        BootcVm vm = running252(share());
        vm.getSpec().setRunStrategy(RunStrategy.Halted);
        pass(vm);
        assertEquals("none", condition(vm, Conditions.VOLUMES_READY), "a stopped VM has nothing mounted");
        vm.getSpec().setRunStrategy(RunStrategy.Always);
        world.ssh.ready = false;
        pass(vm);
        assertEquals("False WaitingForSsh: The volumes are mounted over SSH once it answers", condition(vm, Conditions.VOLUMES_READY));
        world.ssh.ready = true;
        pass(vm);
        assertEquals(2, world.ssh.scripts.size(), "once per boot");
        assertTrue(condition(vm, Conditions.VOLUMES_READY).startsWith("True Mounted"));
    }

    @Test
    void volumesChangedOnARunningVmWaitForTheRestartWhichRewritesTheUnits() {
        BootcVm vm = running252(share(), ro());
        String before = domain().smbiosStrings().toString();
        vm.getSpec().setVolumes(new java.util.ArrayList<>(List.of(ro())));
        vm.getMetadata().setGeneration(2L);
        pass(vm);
        assertTrue(vm.getStatus().isTrue(Conditions.RESTART_REQUIRED));
        assertEquals(1, world.ssh.scripts.size(), "the running guest is not the desired one: nothing mounted into it");
        assertEquals("True", vm.getStatus().condition(Conditions.READY).orElseThrow().getStatus());

        world.domains.stopBehindOurBack("default_c9");
        pass(vm);
        assertEquals(2, world.ssh.scripts.size());
        String script = world.ssh.scripts.get(1);
        DomainSpec.SharedFolder only = domain().sharedFolders().get(0);
        assertEquals("pb-vol0", only.tag(), "the read-only folder is the first now");
        assertTrue(script.contains("put pb-vol0 '/mnt/ro' ro " + GuestMounts.token(only) + "\n"), script);
        assertFalse(script.contains("put pb-vol1"), script);
        assertFalse(before.contains(GuestMounts.token(only)), "a unit of the old spec for pb-vol0 finds no credential: it mounts nothing");
    }

    @Test
    void withAnotherSshUserRootTakesTheVmsOwnKeyOnlyAndOnlyWhenPbMustLogIn() {
        world.images.systemd = OptionalInt.of(252);
        BootcVm vm = vm(share());
        vm.getSpec().setSsh(new SshSpec());
        vm.getSpec().getSsh().setUser("core");
        vm.getSpec().getSsh().setAuthorizedKeys(List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOwner owner@laptop"));
        pass(vm);
        String tmpfiles = decoded(domain().smbiosStrings().stream().filter(s -> s.contains("tmpfiles.extra=")).findFirst().orElseThrow());
        String rootLine = tmpfiles.lines().filter(l -> l.startsWith("f+~ /root/.ssh/authorized_keys 0600 ")).findFirst().orElseThrow();
        String rootKeys = new String(Base64.getDecoder().decode(rootLine.substring(rootLine.lastIndexOf(' ') + 1)), StandardCharsets.UTF_8);
        assertEquals("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake pb@c9\n", rootKeys, "pb's own key, not the owner's extra keys");
        assertTrue(tmpfiles.contains("f+~ /home/core/.ssh/authorized_keys 0600 core core - "), tmpfiles);
        world.ssh.ready = true;
        pass(vm);
        assertEquals("root", world.ssh.scriptTargets.get(0).user());

        FakeWorld other = new FakeWorld();
        VmReconciler r257 = new VmReconciler(other.images, other.disks, other.domains, other.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), new TestClock());
        BootcVm vm257 = vm(share());
        vm257.getSpec().setSsh(vm.getSpec().getSsh());
        r257.reconcile(vm257, Progress.none());
        String t257 = decoded(other.domains.specs.get("default_c9").smbiosStrings().stream().filter(s -> s.contains("tmpfiles.extra=")).findFirst().orElseThrow());
        assertFalse(t257.contains("/root/"), "a guest that mounts by itself gives root nothing: " + t257);
    }

    @Test
    void aGuestThatReadsFstabExtraOrWhoseSystemdIsUnknownGetsTheCredentialAndNoLogin() {
        for (OptionalInt v : List.of(OptionalInt.of(257), OptionalInt.of(254), OptionalInt.empty())) {
            FakeWorld w = new FakeWorld();
            w.images.systemd = v;
            w.ssh.ready = true;
            VmReconciler r = new VmReconciler(w.images, w.disks, w.domains, w.ssh, layout,
                    new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), new TestClock());
            BootcVm vm = vm(share());
            vm.setStatus(r.reconcile(vm, Progress.none()).status());
            assertTrue(w.domains.specs.get("default_c9").smbiosStrings().stream().anyMatch(s -> s.contains("fstab.extra=")), v.toString());
            assertEquals(List.of(), w.ssh.scripts, v.toString());
            assertTrue(vm.getStatus().condition(Conditions.VOLUMES_READY).isEmpty(), v.toString());
            assertEquals("True", vm.getStatus().condition(Conditions.READY).orElseThrow().getStatus(), v.toString());
        }
    }

    @Test
    void withoutANetworkVolumesOnSystemd252AreRefusedBeforeTheDiskIsBuilt() {
        world.images.systemd = OptionalInt.of(252);
        BootcVm vm = vm(share());
        vm.getSpec().setNetwork(NetworkMode.none);
        String why = "image quay.io/centos-bootc/centos-bootc:stream9 has systemd 252, which ignores the fstab.extra credential (254+),"
                + " so pb mounts its volumes over SSH, and network none leaves no SSH: drop --network none or the volumes";
        PbException pre = assertThrows(PbException.class, () -> reconciler.precheck(vm));
        assertEquals("VolumesUnsupported", pre.reason());
        assertEquals(2, pre.exitCode());
        assertEquals(why, pre.getMessage());

        world.images.local = false; // the kube path: nothing checked it before the pass
        Outcome o = pass(vm);
        assertEquals("VolumesUnsupported", o.failure().reason());
        assertEquals(why, o.failure().getMessage());
        assertTrue(o.terminal());
        assertFalse(world.calls.contains("build"), world.calls.toString());
        assertFalse(world.calls.contains("define"), world.calls.toString());
    }

    @Test
    void aSystemdThatReadsNoSmbiosCredentialsAndPathsAUnitCannotNameAreRefused() {
        world.images.systemd = OptionalInt.of(250);
        PbException old = assertThrows(PbException.class, () -> reconciler.precheck(vm(share())));
        assertEquals("image quay.io/centos-bootc/centos-bootc:stream9 has systemd 250, which reads no SMBIOS credentials (252+):"
                + " pb cannot mount volumes in its guests", old.getMessage());

        world.images.systemd = OptionalInt.of(252);
        PbException path = assertThrows(PbException.class, () -> reconciler.precheck(vm(new VolumeMount("/srv", "/mnt/a\\", false))));
        assertEquals("VolumesUnsupported", path.reason());
        assertEquals("volume guest path '/mnt/a\\' cannot be named in a systemd mount unit, which image quay.io/centos-bootc/centos-bootc:stream9"
                + " (systemd 252) needs: use a path without backslashes or blanks at its ends", path.getMessage());
        world.images.systemd = OptionalInt.of(257);
        reconciler.precheck(vm(new VolumeMount("/srv", "/mnt/a\\", false))); // fstab.extra escapes it
    }

    @Test
    void aFailedMountIsTerminalAndSaysWhatTheGuestOrSshSaid() {
        world.images.systemd = OptionalInt.of(252);
        world.ssh.scriptResult = new Ssh.ScriptRun(3, "Created symlink ...\npb: volume /var/mnt/share is not mounted (var-mnt-share.mount: exit-code,"
                + " condition yes): mount: /var/mnt/share: unknown filesystem type 'virtiofs'.\n");
        BootcVm vm = vm(share());
        pass(vm);
        world.ssh.ready = true;
        Outcome o = pass(vm);
        assertEquals("VolumeMountFailed", o.failure().reason());
        assertTrue(o.terminal());
        assertEquals("cannot mount the volumes of VM c9 (/mnt/share) in the guest: volume /var/mnt/share is not mounted (var-mnt-share.mount:"
                + " exit-code, condition yes): mount: /var/mnt/share: unknown filesystem type 'virtiofs'.", o.failure().getMessage());
        assertEquals("False", vm.getStatus().condition(Conditions.READY).orElseThrow().getStatus());
        assertTrue(condition(vm, Conditions.VOLUMES_READY).startsWith("False VolumeMountFailed: cannot mount"));
        assertEquals("True", vm.getStatus().condition(Conditions.SSH_READY).orElseThrow().getStatus(), "SSH itself answered");

        world.ssh.scriptResult = new Ssh.ScriptRun(255, "root@127.0.0.1: Permission denied (publickey).\n");
        BootcVm denied = vm(share());
        denied.getMetadata().setName("c9b");
        pass(denied);
        Outcome d = pass(denied);
        assertEquals("cannot mount the volumes of VM c9b (/mnt/share) over SSH as root on 127.0.0.1:40023: root@127.0.0.1: Permission denied (publickey).",
                d.failure().getMessage());
    }

    @Test
    void aVmMadeBeforePbLearntVersionsLearnsItFromItsBaseDiskElseItsImage() {
        world.ssh.ready = true;
        BootcVm vm = vm(share());
        pass(vm);
        vm.getStatus().setSystemdVersion(null); // as pb before this change left it
        world.disks.built.set(0, new BaseDisk("k1", Path.of("/cache/k1.qcow2"), "x", "sha256:feed", "abc123", null, 1, 1, Instant.now(), false, 252));
        world.images.systemd = OptionalInt.of(999);
        int asked = world.images.systemdAsked.get();
        pass(vm);
        assertEquals(252, vm.getStatus().getSystemdVersion(), "from the base disk's metadata");
        assertEquals(asked, world.images.systemdAsked.get(), "the image is not asked");
        assertTrue(vm.getStatus().isTrue(Conditions.RESTART_REQUIRED), "its running domain lacks what a 252 guest needs");

        vm.getStatus().setSystemdVersion(null);
        world.disks.built.clear();
        world.images.systemd = OptionalInt.of(252);
        pass(vm);
        assertNull(vm.getStatus().getSystemdVersion(), "a running VM's resync does not run a container of its image");
        world.domains.stopBehindOurBack("default_c9");
        pass(vm);
        assertEquals(252, vm.getStatus().getSystemdVersion(), "learnt from the image in local storage when it starts");
        assertTrue(world.ssh.scripts.size() == 1 && vm.getStatus().isTrue(Conditions.VOLUMES_READY), "and mounted in that boot");
    }
}
