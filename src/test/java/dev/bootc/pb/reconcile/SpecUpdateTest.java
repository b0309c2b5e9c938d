package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.UpdateStrategy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The declarative update on the reconcile core (fakes of podman, libvirt and a bootc guest): a changed spec.image or an
 * upgrade request is applied in place, through the Updating phase, gated, rolled back when the new image fails and then
 * held; updateStrategy Recreate makes a new disk.
 */
class SpecUpdateTest extends CoreTest {
    static final String V2 = "localhost/pb-fixture:v2";
    static final String V3 = "localhost/pb-fixture:v3";
    BootcVm vm;

    @BeforeEach
    void aReadyVm() {
        vm = vm("demo", "uid-1");
        world.ssh.ready = true;
        pass(vm);
        pass(vm);
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("localhost/pb-fixture:latest", vm.getStatus().getUpdate().getImage(), "what the disk was made from is applied");
        world.images.digests.put(V2, "sha256:2222");
        world.images.digests.put(V3, "sha256:bad3");
        world.guest.silent.add("sha256:bad3");
        world.calls.clear();
        world.guest.commands.clear();
    }

    /** A new spec, as kubectl apply or pb apply writes it: the generation moves. */
    void newSpec(String image) {
        vm.getSpec().setImage(image);
        vm.getMetadata().setGeneration(vm.getMetadata().getGeneration() + 1);
    }

    Condition cond(String type) {
        return vm.getStatus().condition(type).orElse(null);
    }

    @Test
    void aChangedImageIsAppliedInPlaceThroughTheUpdatingPhase() {
        newSpec(V2);
        Outcome marked = pass(vm);
        assertEquals(Phase.Updating, vm.getStatus().getPhase(), "written before the minutes the update takes");
        assertEquals(VmReconciler.POLL, marked.requeueAfter());
        assertEquals(List.of(), world.guest.commands, "nothing done in the guest yet");

        Outcome done = pass(vm);
        assertNull(done.requeueAfter());
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("sha256:2222", vm.getStatus().getImageDigest(), "the booted digest");
        assertEquals("sha256:2222", vm.getStatus().getGuest().getBooted().getDigest());
        assertEquals(V2, vm.getStatus().getUpdate().getImage());
        assertFalse(world.calls.contains("overlay") || world.calls.contains("build"), "no new disk: " + world.calls);
        assertFalse(world.calls.contains("start"), "the domain was not restarted, the guest rebooted: " + world.calls);
        assertTrue(done.events().stream().anyMatch(e -> e.reason() == VmEvent.Updated && e.message().contains("sha256:2222")), done.events().toString());
        assertNull(cond(Conditions.UPDATING));
        assertNull(cond(Conditions.RESTART_REQUIRED));

        world.calls.clear();
        world.guest.commands.clear();
        pass(vm);
        assertTrue(world.calls.stream().allMatch("define"::equals), "a resync only records the new digest in the domain, quietly: " + world.calls);
        assertNull(cond(Conditions.RESTART_REQUIRED));
        world.calls.clear();
        pass(vm);
        assertEquals(List.of(), world.calls, "settled: a resync does nothing");
        assertEquals(List.of(), world.guest.commands);
    }

    @Test
    void anImageWhoseBootNeverAnswersIsRolledBackReportedAndNotTriedAgain() {
        newSpec(V3);
        pass(vm);
        Outcome failed = pass(vm);
        assertEquals("True", cond(Conditions.READY).getStatus(), "the previous image runs, healthy");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        Condition c = cond(Conditions.UPDATE_FAILED);
        assertEquals("True", c.getStatus());
        assertEquals("RolledBack", c.getReason());
        assertTrue(c.getMessage().contains(V3 + " (sha256:bad3) failed") && c.getMessage().contains("boots sha256:feed again"), c.getMessage());
        assertEquals("sha256:feed", vm.getStatus().getGuest().getBooted().getDigest());
        assertEquals("sha256:feed", vm.getStatus().getImageDigest());
        assertEquals("sha256:bad3", vm.getStatus().getUpdate().getFailedDigest());
        assertTrue(failed.events().stream().anyMatch(e -> e.reason() == VmEvent.UpdateFailed && e.warning()), failed.events().toString());

        int boots = world.guest.bootId;
        world.calls.clear();
        world.guest.commands.clear();
        for (int i = 0; i < 3; i++) pass(vm);
        assertEquals(List.of(), world.calls, "no second attempt on resyncs: nothing resolved, nothing shared");
        assertEquals(boots, world.guest.bootId, "no reboot");
        assertEquals("True", cond(Conditions.UPDATE_FAILED).getStatus(), "still said");

        newSpec(V2);
        pass(vm);
        pass(vm);
        assertEquals("sha256:2222", vm.getStatus().getImageDigest(), "a new spec is tried");
        assertNull(cond(Conditions.UPDATE_FAILED), "and the old failure is gone");
    }

    @Test
    void anUpgradeRequestPicksUpAMovedTagAndIsRecorded() {
        world.images.digests.put("localhost/pb-fixture:latest", "sha256:4444");
        pass(vm);
        assertEquals(List.of(), world.calls, "a moved tag alone is not looked at");
        vm.getMetadata().setAnnotations(Map.of(BootcVm.UPGRADE_REQUESTED, "2026-12-07T18:00:00Z"));
        pass(vm);
        assertEquals(Phase.Updating, vm.getStatus().getPhase());
        pass(vm);
        assertEquals("sha256:4444", vm.getStatus().getImageDigest());
        assertEquals("2026-12-07T18:00:00Z", vm.getStatus().getUpdate().getRequest());
        assertTrue(world.guest.commands.stream().anyMatch(l -> l.contains("bootc switch --transport containers-storage localhost/pb-fixture:latest")),
                world.guest.commands.toString());
    }

    @Test
    void anUpgradeRequestWithNothingNewRecordsItAndRebootsNothing() {
        vm.getMetadata().setAnnotations(Map.of(BootcVm.UPGRADE_REQUESTED, "2026-12-07T18:00:00Z"));
        pass(vm);
        pass(vm);
        assertEquals("2026-12-07T18:00:00Z", vm.getStatus().getUpdate().getRequest());
        assertEquals(1, world.guest.bootId, "up to date: no reboot");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
    }

    @Test
    void recreateGivesTheVmANewDiskFromTheNewImage() {
        vm.getSpec().setUpdateStrategy(UpdateStrategy.Recreate);
        java.nio.file.Path pinned = layout.knownHosts(dev.bootc.pb.api.VmKey.of(vm));
        world.disks.files.add(pinned);
        newSpec(V2);
        Outcome o = pass(vm);
        assertFalse(world.disks.files.contains(pinned), "the old install's pinned host key is forgotten: the new one has its own");
        assertEquals(List.of("shutdown", "resolve", "build", "overlay", "define", "start", "probe"), world.calls);
        assertEquals("sha256:2222", vm.getStatus().getImageDigest());
        assertEquals(V2, vm.getStatus().getUpdate().getImage());
        assertTrue(o.events().stream().anyMatch(e -> e.reason() == VmEvent.Recreating), o.events().toString());
        assertEquals(List.of("bootc status --json"), world.guest.commands, "nothing staged, no reboot: the new guest's status read once it answers");
    }

    @Test
    void aVmAnEarlierPbMadeTakesTheImageItsDomainRecordsAsApplied() {
        vm.getStatus().setUpdate(null);
        pass(vm);
        assertEquals("localhost/pb-fixture:latest", vm.getStatus().getUpdate().getImage());
        assertEquals(List.of(), world.guest.commands, "nothing to update");

        vm.getStatus().setUpdate(null);
        newSpec(V2);
        pass(vm);
        assertEquals(Phase.Updating, vm.getStatus().getPhase(), "a spec changed before pb kept status.update is still applied");
    }

    @Test
    void aVmWithoutNetworkCannotChangeInPlaceAndSaysRecreate() {
        world.calls.clear();
        BootcVm offline = vm("offline", "uid-2");
        offline.getSpec().setNetwork(dev.bootc.pb.api.NetworkMode.none);
        vm = offline;
        pass(vm);
        newSpec(V2);
        pass(vm);
        Condition c = cond(Conditions.UPDATE_FAILED);
        assertEquals("NotUpdatable", c.getReason());
        assertTrue(c.getMessage().contains("updateStrategy: Recreate"), c.getMessage());
        assertEquals("True", cond(Conditions.READY).getStatus(), "it runs on as it was");
    }
}
