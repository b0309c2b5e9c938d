package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.PbException;

import java.time.Duration;
import java.util.List;

/**
 * The result of one reconcile pass: the status to record, when to look again (null: only on the
 * next change), whether the resource may go (cleanup done), the failure if a step failed, and events.
 */
public record Outcome(BootcVmStatus status, Duration requeueAfter, boolean deleted, PbException failure,
                      List<Event> events) {

    /** One thing that happened, for Kubernetes Events and progress. */
    public record Event(VmEvent reason, String message, boolean warning) {
    }

    /** Settled: nothing more to do until something changes. */
    public boolean settled() {
        return requeueAfter == null;
    }

    /** The failure cannot heal by waiting: someone must change something. */
    public boolean terminal() {
        return failure != null && StatusBuilder.isTerminal(failure.reason());
    }
}
