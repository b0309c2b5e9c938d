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

    /** Nothing more to do until something changes: the VM is as its resource asks (running, or halted). */
    public static Outcome settled(BootcVmStatus status, List<Event> events) {
        return new Outcome(status, null, false, null, events);
    }

    /** On its way: look again after {@code after} whatever happens (the guest boots, or stops). */
    public static Outcome requeue(BootcVmStatus status, Duration after, List<Event> events) {
        return new Outcome(status, after, false, null, events);
    }

    /** A step failed; a terminal failure is kept, untried, until the resource changes. */
    public static Outcome failed(BootcVmStatus status, PbException failure, List<Event> events) {
        return new Outcome(status, null, false, failure, events);
    }

    /** The VM's domain, disk and keys are gone: the resource may go. */
    public static Outcome deleted(BootcVmStatus status, List<Event> events) {
        return new Outcome(status, null, true, null, events);
    }

    /** One thing that happened. */
    public record Event(VmEvent reason, String message, boolean warning) {
    }

    /** The failure cannot heal by waiting: someone must change something. */
    public boolean terminal() {
        return failure != null && failure.terminal();
    }
}
