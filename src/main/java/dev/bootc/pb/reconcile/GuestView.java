package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.GuestStatus;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.port.Ssh;

import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The guest's own view of what it boots, for the status: {@code bootc status --json} over SSH, read when the VM
 * becomes ready (an update reads it itself). A guest without bootc, or one that cannot say, has no view: never an error.
 */
final class GuestView {
    private GuestView() {
    }

    /** bootc needs root: a VM whose SSH user is not root runs it through sudo, which must not ask for a password. */
    static String asRoot(Ssh.Target target, String commandLine) {
        return "root".equals(target.user()) ? commandLine : "sudo -n sh -c " + UpdatePlan.quote(commandLine);
    }

    static Optional<GuestStatus> read(Ssh ssh, Ssh.Target target, Clock clock) {
        try {
            Ssh.Exec r = ssh.exec(target, asRoot(target, "bootc status --json"), Duration.ofMinutes(1));
            if (!r.ok()) return Optional.empty();
            GuestStatus g = GuestStatus.fromBootcStatus(r.stdout());
            g.setObservedAt(clock.instant().truncatedTo(ChronoUnit.SECONDS).toString());
            return Optional.of(g);
        } catch (PbException e) {
            return Optional.empty();
        }
    }
}
