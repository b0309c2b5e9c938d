package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Phase;
import io.fabric8.kubernetes.api.model.Condition;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;

/**
 * The one place status conditions are written. A condition keeps its lastTransitionTime while its
 * status does not change; the phase is derived from the conditions, never stored on its own.
 */
public final class StatusBuilder {
    /** Reasons that mean the VM cannot come up until someone changes something. */
    public static final Set<String> TERMINAL_REASONS = Set.of("ImageNotFound", "NotBootcImage", "Invalid", "PodmanMissing",
            "DiskBuildFailed", "VirtiofsdMissing", "SshTimeout", "LibvirtError", "VmCrashed", "SecureBootRefused",
            "FirmwareMissing", "RegistryUnreachable");

    /** Whether a failure of this reason needs a person (retrying cannot help): the known set, and every invalid input. */
    public static boolean isTerminal(String reason) {
        return reason != null && (TERMINAL_REASONS.contains(reason) || reason.startsWith("Invalid"));
    }

    private final BootcVmStatus status;
    private final long generation;

    public StatusBuilder(BootcVmStatus base, long generation) {
        this.status = base == null ? new BootcVmStatus() : base.copy();
        this.generation = generation;
        this.status.setObservedGeneration(generation);
    }

    public BootcVmStatus status() {
        return status;
    }

    public StatusBuilder set(String type, boolean value, String reason, String message) {
        String s = value ? "True" : "False";
        Condition existing = status.condition(type).orElse(null);
        if (existing == null) {
            existing = new Condition();
            existing.setType(type);
            existing.setLastTransitionTime(now());
            existing.setStatus(s);
            status.getConditions().add(existing);
        } else if (!s.equals(existing.getStatus())) {
            existing.setStatus(s);
            existing.setLastTransitionTime(now());
        }
        existing.setReason(reason);
        existing.setMessage(message);
        existing.setObservedGeneration(generation);
        return this;
    }

    public StatusBuilder remove(String type) {
        status.getConditions().removeIf(c -> type.equals(c.getType()));
        return this;
    }

    public boolean isTrue(String type) {
        return status.isTrue(type);
    }

    public String reason(String type) {
        return status.condition(type).map(Condition::getReason).orElse(null);
    }

    /** Derives phase and message from the conditions and orders them for stable output. */
    public BootcVmStatus finish(boolean halted, boolean domainRunning, boolean deleting) {
        status.getConditions().sort((a, b) -> Integer.compare(order(a.getType()), order(b.getType())));
        status.setPhase(derivePhase(status, halted, domainRunning, deleting));
        Condition ready = status.condition(Conditions.READY).orElse(null);
        status.setMessage(ready == null ? null : ready.getMessage());
        return status;
    }

    static Phase derivePhase(BootcVmStatus st, boolean halted, boolean domainRunning, boolean deleting) {
        if (deleting) return Phase.Deleting;
        for (String t : List.of(Conditions.READY, Conditions.DISK_READY, Conditions.DOMAIN_READY, Conditions.SSH_READY)) {
            var c = st.condition(t).orElse(null);
            if (c != null && "False".equals(c.getStatus()) && isTerminal(c.getReason())) return Phase.Failed;
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
        return Phase.Running;
    }

    private static int order(String type) {
        return switch (type) {
            case Conditions.READY -> 0;
            case Conditions.DISK_READY -> 1;
            case Conditions.DOMAIN_READY -> 2;
            case Conditions.SSH_READY -> 3;
            default -> 4;
        };
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
