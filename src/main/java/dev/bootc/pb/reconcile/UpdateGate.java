package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.HealthCheck;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;

import java.time.Duration;
import java.util.Optional;

/**
 * The guest's side of an update's health gate, as commands run over SSH (no decisions here beyond reading their exit).
 * <ul>
 * <li>Boot counting, as Fedora's GRUB and greenboot do it: {@code grub2-editenv - set boot_success=0 boot_counter=1}
 * before the reboot into the new deployment; GRUB counts that boot down to 0, and a boot that starts with the counter at
 * 0 and no {@code boot_success} takes the second entry, ostree's previous deployment. So a new deployment that never
 * answers SSH is left by a power cycle, with no login needed. After a healthy boot: {@code boot_success=1} and the counter
 * unset. {@code /boot} is remounted read-write for the write when it is a read-only mount, as greenboot does.</li>
 * <li>The health check: the spec's command (else {@link HealthCheck#DEFAULT_COMMAND}) as root, within its timeout.</li>
 * </ul>
 */
final class UpdateGate {
    /** The exit status of {@link #ARM} when the guest has no grub2-editenv (its boot loader counts no boots). */
    static final int NO_EDITENV = 3;
    private static final String EDITENV = "e=$(command -v grub2-editenv || command -v grub-editenv) || exit " + NO_EDITENV + "; "
            + "r=; if awk '$5 == \"/boot\" && $6 ~ /(^|,)ro(,|$)/ { f = 1 } END { exit !f }' /proc/self/mountinfo; then mount -o remount,rw /boot && r=1; fi; ";
    private static final String DONE = " rc=$?; [ -z \"$r\" ] || mount -o remount,ro /boot; sync; exit $rc";
    /** Counts the next boot: GRUB falls back to the previous deployment when it does not succeed. */
    static final String ARM = EDITENV + "\"$e\" - set boot_success=0 boot_counter=1;" + DONE;
    /** The boot succeeded: counting stops. */
    static final String DISARM = EDITENV + "\"$e\" - set boot_success=1 && \"$e\" - unset boot_counter;" + DONE;

    private final Ssh ssh;

    UpdateGate(Ssh ssh) {
        this.ssh = ssh;
    }

    /** Whether the guest's next boot is counted (so a boot that never answers falls back); never an error. */
    boolean arm(String vm, Ssh.Target target, Progress progress) {
        Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, ARM), Duration.ofMinutes(1));
        if (r.ok()) return true;
        progress.output("warning: VM " + vm + "'s boot loader cannot count boots ("
                + (r.status() == NO_EDITENV ? "no grub2-editenv in the guest" : InPlaceUpdate.tail(r))
                + "): a new deployment that never answers SSH cannot be left without a login");
        return false;
    }

    /** Stops the counting after a healthy boot; a failure is only said (the counter then falls back at a later power cut). */
    void disarm(String vm, Ssh.Target target, Progress progress) {
        Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, DISARM), Duration.ofMinutes(1));
        if (!r.ok() && r.status() != NO_EDITENV) {
            progress.output("warning: could not mark VM " + vm + "'s boot as good in GRUB's environment: " + InPlaceUpdate.tail(r));
        }
    }

    /** Empty when the guest is healthy; else what failed. */
    Optional<String> check(HealthCheck spec, Ssh.Target target, Progress progress) {
        String command = HealthCheck.command(spec);
        int timeout = HealthCheck.timeoutSeconds(spec);
        progress.phase("Checking the VM's health (" + (spec == null || spec.getCommand() == null ? "systemctl is-system-running --wait" : command) + ")");
        Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, command), Duration.ofSeconds(timeout));
        if (r.ok()) return Optional.empty();
        String what = spec == null || spec.getCommand() == null ? "the health check (systemctl is-system-running)" : "the health check command";
        return Optional.of(what + " failed: " + InPlaceUpdate.tail(r));
    }
}
