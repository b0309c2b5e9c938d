package dev.bootc.pb.store;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.VmKey;

import java.util.List;

/**
 * Where what happened to a VM is recorded: Kubernetes Events on a cluster, an event log per VM on the
 * file store. Recording is best effort and never fails a reconcile.
 */
public interface EventLog {

    void record(BootcVm vm, String reason, String message, boolean warning);

    /** The latest events of a VM, oldest first. */
    List<Recorded> recent(VmKey key, int max);

    /** Forgets a VM's events once it is gone. */
    void forget(VmKey key);

    /** One recorded event. */
    record Recorded(String time, String type, String reason, String message) {
    }
}
