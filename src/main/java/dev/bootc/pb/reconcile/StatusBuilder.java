package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Phase;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The one place status conditions are written. A condition keeps its lastTransitionTime while its
 * status does not change; the phase is derived from the conditions, never stored on its own.
 */
final class StatusBuilder {
    private static final List<String> MAIN = List.of(Conditions.READY, Conditions.DISK_READY, Conditions.DOMAIN_READY, Conditions.SSH_READY);

    private final BootcVmStatus status;
    private final long generation;
    private final Clock clock;

    /** Every timestamp is read from {@code clock} when it is written: a pass may pull and build for many minutes. */
    StatusBuilder(BootcVmStatus base, long generation, Clock clock) {
        this.status = base == null ? new BootcVmStatus() : base.copy();
        this.generation = generation;
        this.clock = clock;
        this.status.setObservedGeneration(generation);
    }

    BootcVmStatus status() {
        return status;
    }

    StatusBuilder set(String type, boolean value, String reason, String message) {
        String s = value ? "True" : "False";
        Condition c = status.condition(type).orElse(null);
        if (c == null) {
            c = new Condition();
            c.setType(type);
            c.setLastTransitionTime(timestamp());
            c.setStatus(s);
            status.getConditions().add(c);
        } else if (!s.equals(c.getStatus())) {
            c.setStatus(s);
            c.setLastTransitionTime(timestamp());
        }
        c.setReason(reason);
        c.setMessage(message);
        c.setObservedGeneration(generation);
        return this;
    }

    StatusBuilder remove(String type) {
        status.getConditions().removeIf(c -> type.equals(c.getType()));
        return this;
    }

    boolean isTrue(String type) {
        return status.isTrue(type);
    }

    /** Now, as a Kubernetes timestamp (whole seconds). */
    String timestamp() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** Derives phase and message from the conditions and orders them for stable output. */
    BootcVmStatus finish(boolean halted, boolean domainRunning, boolean deleting) {
        status.getConditions().sort((a, b) -> Integer.compare(order(a.getType()), order(b.getType())));
        status.setPhase(derivePhase(status, halted, domainRunning, deleting));
        Condition ready = status.condition(Conditions.READY).orElse(null);
        status.setMessage(ready == null ? null : ready.getMessage());
        return status;
    }

    /** The terminal failure a status records for this generation, if any: such a VM is not retried until it changes. */
    static java.util.Optional<Condition> terminalFailure(BootcVmStatus st, long generation) {
        if (st == null) return java.util.Optional.empty();
        return st.condition(Conditions.READY).filter(c -> "False".equals(c.getStatus()) && Failure.isTerminal(c.getReason())
                && c.getObservedGeneration() != null && c.getObservedGeneration() == generation);
    }

    static Phase derivePhase(BootcVmStatus st, boolean halted, boolean domainRunning, boolean deleting) {
        if (deleting) return Phase.Deleting;
        for (String t : MAIN) {
            Condition c = st.condition(t).orElse(null);
            if (c != null && "False".equals(c.getStatus()) && Failure.isTerminal(c.getReason())) return Phase.Failed;
        }
        if (halted) return domainRunning ? Phase.Stopping : Phase.Stopped;
        if (!st.isTrue(Conditions.DISK_READY)) {
            String r = st.condition(Conditions.DISK_READY).map(Condition::getReason).orElse(null);
            if ("Pulling".equals(r)) return Phase.Pulling;
            if ("BuildingDisk".equals(r)) return Phase.BuildingDisk;
            return Phase.Pending;
        }
        boolean sshOk = st.isTrue(Conditions.SSH_READY)
                || "NoNetwork".equals(st.condition(Conditions.SSH_READY).map(Condition::getReason).orElse(null));
        if (!st.isTrue(Conditions.DOMAIN_READY) || !domainRunning || !sshOk) return Phase.Starting;
        return st.isTrue(Conditions.UPDATING) ? Phase.Updating : Phase.Running;
    }

    private static int order(String type) {
        int i = MAIN.indexOf(type);
        return i < 0 ? MAIN.size() : i;
    }
}
