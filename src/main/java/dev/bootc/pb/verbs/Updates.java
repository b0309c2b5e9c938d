package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.UpdateStatus;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.driver.Convergence;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.InPlaceUpdate;
import dev.bootc.pb.store.Writes;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code pb upgrade}, {@code pb switch} and {@code pb rollback}: in-place updates of running VMs (the core's
 * {@link InPlaceUpdate}), each recorded in the VM's status: the guest's view of what it boots, and the digest it boots.
 */
public final class Updates {
    private final Vms vms;
    private final Supplier<InPlaceUpdate> update;
    /** Set for a store whose VMs another process (the node's operator) reconciles: pb upgrade asks it, by the annotation. */
    private final Convergence operator;
    private final Duration timeout;

    /** pb updates the VMs itself (the file store). */
    public Updates(Vms vms, Supplier<InPlaceUpdate> update) {
        this(vms, update, null, Duration.ZERO);
    }

    /**
     * @param update   the in-place update pb runs itself (made only when used: it opens libvirt)
     * @param operator when not null, the VMs' operator is asked to upgrade (the annotation {@link BootcVm#UPGRADE_REQUESTED})
     *                 and waited for, at most {@code timeout}
     */
    public Updates(Vms vms, Supplier<InPlaceUpdate> update, Convergence operator, Duration timeout) {
        this.vms = vms;
        this.update = update;
        this.operator = operator;
        this.timeout = timeout;
    }

    /** How one VM's update ended (the core's outcome, as the commands print it). */
    public enum Outcome { UP_TO_DATE, AVAILABLE, UPDATED, ROLLED_BACK }

    /** What one VM's update did: the booted image before and after, the digest the host resolved. */
    public record Report(String vm, Outcome outcome, GuestImage before, GuestImage after, String hostDigest) {
    }

    /** Every VM named, in turn (all are looked up before any is updated); {@code check} only reports. */
    public List<Report> upgrade(List<String> names, boolean check, PullPolicy pull, Progress progress) {
        List<BootcVm> all = new ArrayList<>();
        for (String name : names) all.add(vms.require(name));
        List<Report> out = new ArrayList<>();
        for (BootcVm vm : all) {
            out.add(operator != null && !check ? request(vm, progress)
                    : record(vm, update.get().run(vm, InPlaceUpdate.Request.upgrade(check, pull), progress), null));
        }
        return out;
    }

    /**
     * On a store an operator reconciles: stamps the upgrade request on the resource (as kubectl rollout restart stamps
     * its annotation) and waits until the operator has acted on it: updated, found nothing new, or failed and rolled back.
     */
    private Report request(BootcVm vm, Progress progress) {
        String name = vm.getMetadata().getName();
        String stamp = Instant.now().toString();
        GuestImage before = vm.getStatus() == null || vm.getStatus().getGuest() == null ? null : vm.getStatus().getGuest().getBooted();
        vms.mutate(name, v -> {
            Map<String, String> a = v.getMetadata().getAnnotations() == null ? new TreeMap<>() : new TreeMap<>(v.getMetadata().getAnnotations());
            a.put(BootcVm.UPGRADE_REQUESTED, stamp);
            v.getMetadata().setAnnotations(a);
            return v;
        });
        progress.phase("Asked the operator of VM " + name + " to upgrade it (" + BootcVm.UPGRADE_REQUESTED + "=" + stamp + ")");
        BootcVm done = operator.await(VmKey.of(vm), v -> v.isPresent() && actedOn(v.get(), stamp), timeout, progress::phase)
                .orElseThrow(() -> Failure.VmNotFound.with("VM " + name + " was removed while pb waited for its upgrade"));
        UpdateStatus u = done.getStatus().getUpdate();
        if (stamp.equals(u.getFailedRequest())) {
            throw Failure.UpdateFailed.with(done.getStatus().condition(Conditions.UPDATE_FAILED).map(c -> c.getMessage())
                    .orElse("the upgrade of VM " + name + " failed"));
        }
        GuestImage after = done.getStatus().getGuest() == null ? null : done.getStatus().getGuest().getBooted();
        boolean changed = before != null && after != null && !java.util.Objects.equals(before.getDigest(), after.getDigest());
        return new Report(name, changed ? Outcome.UPDATED : Outcome.UP_TO_DATE, before, after, done.getStatus().getImageDigest());
    }

    /** The operator recorded the request as applied or as failed, and is not in the middle of an update. */
    private static boolean actedOn(BootcVm v, String stamp) {
        var st = v.getStatus();
        if (st == null || st.getUpdate() == null || st.getPhase() == dev.bootc.pb.api.Phase.Updating) return false;
        return stamp.equals(st.getUpdate().getRequest()) || stamp.equals(st.getUpdate().getFailedRequest());
    }

    /** Follows another image in place; the resource's spec.image follows once the guest boots it. */
    public Report switchTo(String name, String image, PullPolicy pull, Progress progress) {
        if (image == null || image.length() > Validation.IMAGE_MAX || !image.matches(Validation.IMAGE_PATTERN)) {
            throw Failure.InvalidImage.with("IMAGE: invalid value " + Validation.quote(image)
                    + ": must be a container image reference, like quay.io/fedora/fedora-bootc:42");
        }
        BootcVm vm = vms.require(name);
        InPlaceUpdate.Result r = update.get().run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.SWITCH, image, false, pull), progress);
        return record(vm, r, image);
    }

    /** Boots the rollback deployment (one reboot); {@code check} only says which it is. */
    public Report rollback(String name, boolean check, Progress progress) {
        BootcVm vm = vms.require(name);
        return record(vm, update.get().run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.ROLLBACK, null, check, null), progress), null);
    }

    /**
     * Writes what the guest says it boots into the status (and, after a switch, the new reference into the spec), and what
     * was applied (status.update), so the VM's passes see nothing left to do; an update rolled back by its health gate is
     * recorded as the failed target and is an error.
     */
    private Report record(BootcVm vm, InPlaceUpdate.Result r, String switchedTo) {
        boolean changed = r.outcome() == InPlaceUpdate.Outcome.UPDATED || r.outcome() == InPlaceUpdate.Outcome.ROLLED_BACK;
        if (switchedTo != null && changed && !switchedTo.equals(vm.getSpec().getImage())) {
            vms.mutate(vm.getMetadata().getName(), v -> {
                v.getSpec().setImage(switchedTo);
                return v;
            });
        }
        boolean failed = r.outcome() == InPlaceUpdate.Outcome.FAILED;
        BootcVm current = vms.require(vm.getMetadata().getName());
        Writes.withRetry(vms.store(), current, v -> {
            if (v.getStatus() == null) return null;
            v.getStatus().setGuest(r.guest());
            if (changed && r.after() != null && r.after().getDigest() != null) v.getStatus().setImageDigest(r.after().getDigest());
            UpdateStatus applied = v.getStatus().getUpdate();
            if (failed) {
                UpdateStatus was = applied != null ? applied : new UpdateStatus(v.getSpec().getImage(), v.upgradeRequest());
                v.getStatus().setUpdate(was.withFailed(switchedTo != null ? switchedTo : v.getSpec().getImage(), r.hostDigest(), v.upgradeRequest()));
            } else if (r.outcome() != InPlaceUpdate.Outcome.AVAILABLE) {
                v.getStatus().setUpdate(new UpdateStatus(v.getSpec().getImage(), v.upgradeRequest()));
            }
            return v;
        }, vms.store()::updateStatus);
        if (failed) {
            throw Failure.UpdateFailed.with("the update of VM " + r.vm() + " to " + r.hostDigest() + " failed: " + r.failure()
                    + "; rolled back: it boots " + (r.after() == null ? "?" : r.after().getDigest()) + " again");
        }
        return new Report(r.vm(), Outcome.valueOf(r.outcome().name()), r.before(), r.after(), r.hostDigest());
    }
}
