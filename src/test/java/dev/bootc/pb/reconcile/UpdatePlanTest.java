package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.GuestStatus;
import dev.bootc.pb.api.PbException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decisions of an in-place update, from the host's digest and the guest's bootc status alone. */
class UpdatePlanTest {
    static final String V1 = "sha256:1111", V2 = "sha256:2222";

    static GuestStatus guest(GuestImage booted, GuestImage staged, GuestImage rollback, boolean queued) {
        GuestStatus g = new GuestStatus();
        g.setBooted(booted);
        g.setStaged(staged);
        g.setRollback(rollback);
        g.setRollbackQueued(queued);
        return g;
    }

    static GuestImage installed(String digest) {   // as bootc install records it: transport registry (its default)
        return new GuestImage("localhost/os:latest", "registry", digest, null);
    }

    static GuestImage fromStorage(String ref, String digest) {
        return new GuestImage(ref, "containers-storage", digest, null);
    }

    @Test
    void theDigestTheGuestBootsIsUpToDate() {
        assertEquals(UpdatePlan.Action.UP_TO_DATE, UpdatePlan.decide(V1, null, guest(installed(V1), null, null, false)));
    }

    @Test
    void aNewDigestIsStagedAndOneStagedAlreadyOnlyNeedsTheReboot() {
        assertEquals(UpdatePlan.Action.STAGE, UpdatePlan.decide(V2, null, guest(installed(V1), null, null, false)));
        assertEquals(UpdatePlan.Action.REBOOT_INTO_STAGED,
                UpdatePlan.decide(V2, null, guest(installed(V1), fromStorage("localhost/os:latest", V2), null, false)));
        assertEquals(UpdatePlan.Action.STAGE, UpdatePlan.decide("sha256:3333", null,
                guest(installed(V1), fromStorage("localhost/os:latest", V2), null, false)), "a staged digest that is not the host's");
    }

    @Test
    void aSwitchToAnotherReferenceOfTheBootedDigestStillStagesSoTheGuestFollowsIt() {
        GuestStatus g = guest(fromStorage("localhost/os:latest", V1), null, null, false);
        assertEquals(UpdatePlan.Action.STAGE, UpdatePlan.decide(V1, "localhost/other:v1", g));
        assertEquals(UpdatePlan.Action.UP_TO_DATE, UpdatePlan.decide(V1, "localhost/os:latest", g));
        assertEquals(UpdatePlan.Action.UP_TO_DATE, UpdatePlan.decide(V1, "localhost/os", g), "a missing tag is :latest");
        assertEquals(UpdatePlan.Action.UP_TO_DATE, UpdatePlan.decide(V1, "os:latest", g), "a bare name is under localhost/");
    }

    @Test
    void aGuestThatBootsNoImageCannotBeUpdated() {
        PbException e = assertThrows(PbException.class, () -> UpdatePlan.decide(V1, null, guest(null, null, null, false)));
        assertEquals(Failure.NotUpdatable, e.failure());
    }

    @Test
    void upgradeWhenTheGuestFollowsTheHostsStorageAlreadyElseSwitch() {
        // bootc switch to the spec the guest has says "Image specification is unchanged" and stages nothing
        assertEquals("bootc upgrade", UpdatePlan.stageCommand("localhost/os:latest", guest(fromStorage("localhost/os:latest", V1), null, null, false)));
        assertEquals("bootc switch --transport containers-storage localhost/os:latest",
                UpdatePlan.stageCommand("localhost/os:latest", guest(installed(V1), null, null, false)), "installed: origin registry");
        assertEquals("bootc switch --transport containers-storage localhost/other:v2",
                UpdatePlan.stageCommand("localhost/other:v2", guest(fromStorage("localhost/os:latest", V1), null, null, false)));
        assertEquals("bootc switch --transport containers-storage 'a b'", UpdatePlan.stageCommand("a b", guest(installed(V1), null, null, false)));
    }

    @Test
    void theStageMountsTheShareReadOnlyAndAlwaysUnmountsIt() {
        String s = UpdatePlan.stageScript("bootc upgrade", "overlay");
        assertTrue(s.startsWith("mkdir -p /run/pb-storage && mount -t virtiofs -o ro pb-storage /run/pb-storage && "), s);
        assertTrue(s.contains("env STORAGE_OPTS=additionalimagestore=/run/pb-storage STORAGE_DRIVER=overlay bootc upgrade; rc=$?; umount /run/pb-storage; exit $rc;"), s);
    }

    @Test
    void aRollbackNeedsARollbackDeploymentAndAQueuedOneOnlyTheReboot() {
        PbException e = assertThrows(PbException.class, () -> UpdatePlan.rollbackNeedsCommand("vm", guest(installed(V1), null, null, false)));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertTrue(e.getMessage().contains("no rollback deployment"), e.getMessage());
        assertTrue(UpdatePlan.rollbackNeedsCommand("vm", guest(installed(V2), null, installed(V1), false)));
        assertFalse(UpdatePlan.rollbackNeedsCommand("vm", guest(installed(V2), null, installed(V1), true)));
    }

    @Test
    void afterTheRebootTheGuestMustBootWhatWasMeant() {
        UpdatePlan.checkBooted("vm", V2, guest(installed(V2), null, installed(V1), false));
        PbException e = assertThrows(PbException.class, () -> UpdatePlan.checkBooted("vm", V2,
                guest(installed(V1), fromStorage("localhost/os:latest", V2), null, false)));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertEquals("VM vm booted sha256:1111 after the reboot, not sha256:2222 (still staged: sha256:2222)", e.getMessage());
        assertThrows(PbException.class, () -> UpdatePlan.checkStaged("vm", V2, guest(installed(V1), null, null, false)));
    }
}
