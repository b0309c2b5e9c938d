package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.PbException;

import java.time.Duration;
import java.util.List;

/**
 * The result of one reconcile pass: the status to record, when the VM needs another look whatever
 * happens (null: only on the next change), whether the resource may go (cleanup done), the failure
 * if a step failed, and what happened, as events.
 */
public record Outcome(BootcVmStatus status, Duration requeueAfter, boolean deleted, PbException failure, List<Event> events) {
    public Outcome {
        events = List.copyOf(events);
    }

    /** One thing that happened. */
    public record Event(VmEvent reason, String message, boolean warning) {
    }

    /** The failure cannot heal by waiting: someone must change something. */
    public boolean terminal() {
        return failure != null && failure.terminal();
    }
}
