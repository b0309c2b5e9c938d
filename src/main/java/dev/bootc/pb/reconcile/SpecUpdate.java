package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.UpdateStatus;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Ssh;

import java.nio.file.Path;

/**
 * A pass's in-place update of a running VM to its spec.image (or to what its tag points at now, on an upgrade request):
 * the first pass that sees it marks the VM Updating and comes back at once (the phase is written before the minutes the
 * update takes); the next runs {@link InPlaceUpdate} and records how it ended. A failed target is recorded in
 * {@code status.update} and the UpdateFailed condition, and not tried again ({@link UpdateTrigger}).
 */
final class SpecUpdate {
    private final InPlaceUpdate inPlace;
    private final Domains domains;
    private final Ssh ssh;
    private final VmLayout layout;

    SpecUpdate(InPlaceUpdate inPlace, Domains domains, Ssh ssh, VmLayout layout) {
        this.inPlace = inPlace;
        this.domains = domains;
        this.ssh = ssh;
        this.layout = layout;
    }

    /** The VM is running and answers SSH on {@code port} (null: it has no network): Ready, unless its image is to change now. */
    Outcome ready(Converge.Pass p, Integer port, Path key) {
        StatusBuilder sb = p.sb;
        UpdateTrigger.Decision d = p.update;
        String name = p.key.name();
        if (d.action() == UpdateTrigger.Action.NONE) sb.remove(Conditions.UPDATE_FAILED); // the failed target is no longer asked for
        if (d.action() != UpdateTrigger.Action.IN_PLACE) {
            sb.remove(Conditions.UPDATING);
            return Outcome.settled(sb.finish(false, true, false), p.events);
        }
        if (port == null) {
            return failed(p, d, Failure.NotUpdatable.with("VM " + name + " has no network (network: none), so its image cannot change in place:"
                    + " set updateStrategy: Recreate to give it a new disk of " + d.image()), true); // it runs on as it was
        }
        if (!sb.isTrue(Conditions.UPDATING)) {
            String what = d.moved() ? "Updating in place to what " + d.image() + " points at now" : "Updating in place to " + d.image();
            sb.set(Conditions.UPDATING, true, "Updating", what);
            p.event(VmEvent.Updating, what);
            return Outcome.requeue(sb.finish(false, true, false), VmReconciler.POLL, p.events);
        }
        InPlaceUpdate.Request req = d.moved() ? InPlaceUpdate.Request.upgrade(false, null)
                : new InPlaceUpdate.Request(InPlaceUpdate.Kind.SWITCH, d.image(), false, null);
        InPlaceUpdate.Result r;
        try {
            r = inPlace.run(p.vm, req, p.progress);
        } catch (PbException e) {
            boolean answers = ssh.probe(p.status().sshHost(), port, p.spec().getSsh().getUser(), key).ready();
            return failed(p, d, e, answers);
        }
        BootcVmStatus st = p.status();
        st.setGuest(r.guest());
        sb.remove(Conditions.UPDATING);
        if (r.outcome() == InPlaceUpdate.Outcome.FAILED) {
            st.setUpdate(failedTarget(d, r.hostDigest()));
            String msg = "Update to " + d.image() + " (" + r.hostDigest() + ") failed: " + r.failure() + "; rolled back: VM " + name + " boots "
                    + digest(r.after()) + " again; " + retry(name);
            sb.set(Conditions.UPDATE_FAILED, true, "RolledBack", msg);
            p.events.add(new Outcome.Event(VmEvent.UpdateFailed, msg, true));
        } else {
            st.setUpdate(new UpdateStatus(d.image(), d.request()));
            if (r.after() != null && r.after().getDigest() != null) st.setImageDigest(r.after().getDigest());
            sb.remove(Conditions.UPDATE_FAILED);
            if (r.outcome() == InPlaceUpdate.Outcome.UPDATED) p.event(VmEvent.Updated, "VM " + name + " boots " + d.image() + " (" + digest(r.after()) + ")");
        }
        sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + name);
        return Outcome.settled(sb.finish(false, true, false), p.events);
    }

    /** The update stopped with an error: recorded as the failed target; the VM is Ready only if it still answers SSH. */
    private Outcome failed(Converge.Pass p, UpdateTrigger.Decision d, PbException e, boolean answers) {
        StatusBuilder sb = p.sb;
        p.status().setUpdate(failedTarget(d, null));
        sb.remove(Conditions.UPDATING);
        String msg = "Update to " + d.image() + " failed: " + e.getMessage() + "; " + retry(p.key.name());
        sb.set(Conditions.UPDATE_FAILED, true, e.reason(), msg);
        p.events.add(new Outcome.Event(VmEvent.UpdateFailed, msg, true));
        boolean running = domains.find(layout.domainName(p.key)).map(Domain::running).orElse(false);
        if (answers && running) {
            sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + p.key.name());
            return Outcome.settled(sb.finish(false, true, false), p.events);
        }
        sb.set(Conditions.SSH_READY, false, e.reason(), e.getMessage());
        sb.set(Conditions.READY, false, e.reason(), msg);
        return Outcome.failed(sb.finish(false, running, false), e, p.events);
    }

    private static UpdateStatus failedTarget(UpdateTrigger.Decision d, String digest) {
        return d.applied().withFailed(d.image(), digest, d.request());
    }

    private static String retry(String name) {
        return "not tried again until spec.image changes or an upgrade is requested (pb upgrade " + name + ")";
    }

    private static String digest(GuestImage g) {
        return g == null ? "?" : g.getDigest();
    }
}
