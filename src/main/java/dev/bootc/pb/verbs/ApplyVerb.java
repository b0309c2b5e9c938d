package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.driver.Convergence;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.reconcile.ImageNames;
import dev.bootc.pb.store.Writes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** {@code pb apply}: creates or updates BootcVm vms, like {@code kubectl apply}; all are validated before the first write. */
public final class ApplyVerb {
    private final Vms vms;
    private final Convergence convergence;
    private final String node;
    private final Lifecycle.Timeouts timeouts;
    private final Supplier<List<Images.StoredImage>> storedImages;

    /** Outcome of applying one document: created, configured or unchanged. */
    public record Applied(BootcVm vm, String action) {
    }

    /** @param storedImages this host's local images: a spec.image that is a short ID of one is refused */
    public ApplyVerb(Vms vms, Convergence convergence, String node, Lifecycle.Timeouts timeouts, Supplier<List<Images.StoredImage>> storedImages) {
        this.storedImages = storedImages;
        this.vms = vms;
        this.convergence = convergence;
        this.node = node;
        this.timeouts = timeouts;
    }

    public List<Applied> apply(List<BootcVm> docs) {
        for (BootcVm d : docs) {
            if (d.getMetadata().getNamespace() == null) d.getMetadata().setNamespace(vms.namespace());
            vms.store().validate(d);
            requireReference(d);
        }
        List<Applied> out = new ArrayList<>();
        for (BootcVm d : docs) {
            Vms.assignNode(d, node);
            out.add(applyOne(d));
        }
        return out;
    }

    /**
     * A resource holds a reference (or a full ID), never a short ID, which can come to mean another image: refused when
     * this host's podman tells it is one. Without podman here (a cluster's client) the operator refuses it on its node.
     */
    private void requireReference(BootcVm d) {
        try {
            ImageNames.requireReference("spec.image", d.getSpec().getImage(), storedImages);
        } catch (PbException e) {
            if (e.failure() != Failure.PodmanMissing) throw e;
        }
    }

    private Applied applyOne(BootcVm d) {
        var store = vms.store();
        Optional<BootcVm> existing = store.get(d.getMetadata().getNamespace(), d.getMetadata().getName());
        if (existing.isEmpty()) {
            BootcVm c = d.copy();
            c.setStatus(null);
            try {
                return new Applied(store.create(c), "created");
            } catch (PbException e) {
                if (!e.isConflict()) throw e;
                existing = store.get(d.getMetadata().getNamespace(), d.getMetadata().getName());
                if (existing.isEmpty()) throw e;
            }
        }
        BootcVm before = existing.get();
        BootcVm after = Writes.withRetry(store, before, next -> {
            next.setSpec(d.getSpec());
            if (d.getMetadata().getLabels() != null) next.getMetadata().setLabels(d.getMetadata().getLabels());
            if (d.getMetadata().getAnnotations() != null) next.getMetadata().setAnnotations(d.getMetadata().getAnnotations());
            return next;
        }, store::update);
        if (after == null) return applyOne(d);
        boolean changed = !after.getMetadata().getResourceVersion().equals(before.getMetadata().getResourceVersion());
        return new Applied(after, changed ? "configured" : "unchanged");
    }

    /**
     * {@code pb apply --wait}: each resource until it is Ready, Stopped, gone or failed. An update of the image that failed
     * (rolled back, the VM Ready on its previous image) fails the wait too, after all have settled, as a rollout's status does.
     */
    public void awaitSettled(List<BootcVm> docs, Consumer<String> progress) {
        List<String> failedUpdates = new java.util.ArrayList<>();
        for (BootcVm d : docs) {
            String name = d.getMetadata().getName();
            convergence.await(VmKey.of(d), Vms.SETTLED, timeouts.up(), s -> progress.accept(name + ": " + s))
                    .flatMap(v -> v.getStatus() == null ? java.util.Optional.empty() : v.getStatus().condition(Conditions.UPDATE_FAILED))
                    .filter(c -> "True".equals(c.getStatus()))
                    .ifPresent(c -> failedUpdates.add("VM " + name + ": " + c.getMessage()));
        }
        if (!failedUpdates.isEmpty()) throw Failure.UpdateFailed.with(String.join("; ", failedUpdates));
    }
}
