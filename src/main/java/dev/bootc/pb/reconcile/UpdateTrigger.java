package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.UpdateStatus;
import dev.bootc.pb.api.UpdateStrategy;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.PbMetadata;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether a pass changes the image of a VM that has one (no I/O): spec.image and the upgrade request
 * ({@link BootcVm#UPGRADE_REQUESTED}) against what pb last applied ({@code status.update}; for a VM made before pb kept
 * that, the image its domain records). A target that failed is held until either changes.
 */
final class UpdateTrigger {
    enum Action {
        /** Nothing asked, or nothing applied yet (the VM gets its first disk from spec.image). */
        NONE,
        /** Stage the image in the running guest, reboot once, gate ({@link InPlaceUpdate}). */
        IN_PLACE,
        /** A new disk from the image. */
        RECREATE,
        /** This image and request failed before: not tried again. */
        HELD
    }

    /**
     * @param image   the reference to apply (spec.image)
     * @param request the upgrade request to record with it
     * @param moved   the reference is the one applied already: only its tag may have moved (an upgrade, not a switch)
     * @param applied what was applied before this pass, null when nothing was
     */
    record Decision(Action action, String image, String request, boolean moved, UpdateStatus applied) {
    }

    private UpdateTrigger() {
    }

    static Decision decide(BootcVm vm, BootcVmStatus status, Optional<Domain> domain) {
        String image = vm.getSpec().getImage();
        String request = vm.upgradeRequest();
        UpdateStatus applied = applied(vm, status, domain);
        if (applied == null) return new Decision(Action.NONE, image, request, false, null);
        boolean sameImage = UpdatePlan.sameRef(image, applied.getImage());
        if (sameImage && Objects.equals(request, applied.getRequest())) return new Decision(Action.NONE, image, request, true, applied);
        if (applied.failed(image, request)) return new Decision(Action.HELD, image, request, sameImage, applied);
        Action a = vm.getSpec().getUpdateStrategy() == UpdateStrategy.Recreate ? Action.RECREATE : Action.IN_PLACE;
        return new Decision(a, image, request, sameImage, applied);
    }

    /** What was applied: the status's record, else the image the domain records (with the request the resource has now). */
    static UpdateStatus applied(BootcVm vm, BootcVmStatus status, Optional<Domain> domain) {
        if (status != null && status.getUpdate() != null && status.getUpdate().getImage() != null) return status.getUpdate();
        return domain.flatMap(Domain::pbMetadata).map(PbMetadata::image).map(i -> new UpdateStatus(i, vm.upgradeRequest())).orElse(null);
    }
}
