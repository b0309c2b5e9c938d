package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.InPlaceUpdate;
import dev.bootc.pb.store.Writes;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code pb upgrade}, {@code pb switch} and {@code pb rollback}: in-place updates of running VMs (the core's
 * {@link InPlaceUpdate}), each recorded in the VM's status: the guest's view of what it boots, and the digest it boots.
 */
public final class Updates {
    private final Vms vms;
    private final InPlaceUpdate update;

    public Updates(Vms vms, InPlaceUpdate update) {
        this.vms = vms;
        this.update = update;
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
        for (BootcVm vm : all) out.add(record(vm, update.run(vm, InPlaceUpdate.Request.upgrade(check, pull), progress), null));
        return out;
    }

    /** Follows another image in place; the resource's spec.image follows once the guest boots it. */
    public Report switchTo(String name, String image, PullPolicy pull, Progress progress) {
        if (image == null || image.length() > Validation.IMAGE_MAX || !image.matches(Validation.IMAGE_PATTERN)) {
            throw Failure.InvalidImage.with("IMAGE: invalid value " + Validation.quote(image)
                    + ": must be a container image reference, like quay.io/fedora/fedora-bootc:42");
        }
        BootcVm vm = vms.require(name);
        InPlaceUpdate.Result r = update.run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.SWITCH, image, false, pull), progress);
        return record(vm, r, image);
    }

    /** Boots the rollback deployment (one reboot); {@code check} only says which it is. */
    public Report rollback(String name, boolean check, Progress progress) {
        BootcVm vm = vms.require(name);
        return record(vm, update.run(vm, new InPlaceUpdate.Request(InPlaceUpdate.Kind.ROLLBACK, null, check, null), progress), null);
    }

    /** Writes what the guest says it boots into the status (and, after a switch, the new reference into the spec). */
    private Report record(BootcVm vm, InPlaceUpdate.Result r, String switchedTo) {
        boolean changed = r.outcome() == InPlaceUpdate.Outcome.UPDATED || r.outcome() == InPlaceUpdate.Outcome.ROLLED_BACK;
        if (switchedTo != null && changed && !switchedTo.equals(vm.getSpec().getImage())) {
            vms.mutate(vm.getMetadata().getName(), v -> {
                v.getSpec().setImage(switchedTo);
                return v;
            });
        }
        BootcVm current = vms.require(vm.getMetadata().getName());
        Writes.withRetry(vms.store(), current, v -> {
            if (v.getStatus() == null) return null;
            v.getStatus().setGuest(r.guest());
            if (changed && r.after() != null && r.after().getDigest() != null) v.getStatus().setImageDigest(r.after().getDigest());
            return v;
        }, vms.store()::updateStatus);
        return new Report(r.vm(), Outcome.valueOf(r.outcome().name()), r.before(), r.after(), r.hostDigest());
    }
}
