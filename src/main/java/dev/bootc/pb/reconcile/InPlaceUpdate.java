package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.GuestStatus;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An in-place update of a running VM, as a bootc host updates itself ({@code pb upgrade}, {@code pb switch},
 * {@code pb rollback}): resolve the image on the host, ask the guest what it boots, and when the digest is new, share
 * the host's container storage read-only with the guest for the stage only (hot-plugged, then unplugged), stage with
 * bootc, reboot the guest once, wait for it, and check that it boots what was meant. Decisions are {@link UpdatePlan}'s;
 * everything outside goes through the ports.
 */
public final class InPlaceUpdate {
    private final Images images;
    private final Domains domains;
    private final Ssh ssh;
    private final VmLayout layout;
    private final Duration bootTimeout;
    private final Clock clock;
    private final Pause pause;
    private final UpdateGate gate;

    /** What is asked: upgrade (the VM's own reference again), switch (to another reference), or roll back. */
    public enum Kind { UPGRADE, SWITCH, ROLLBACK }

    /** One update of one VM; {@code image} is the reference of a switch; {@code check} only reports. */
    public record Request(Kind kind, String image, boolean check, PullPolicy pull) {
        public static Request upgrade(boolean check, PullPolicy pull) {
            return new Request(Kind.UPGRADE, null, check, pull);
        }
    }

    /** How an update ended. */
    public enum Outcome {
        /** The guest boots the image's digest already: nothing staged, no reboot. */
        UP_TO_DATE,
        /** (--check) A new digest is there; nothing was changed. */
        AVAILABLE,
        /** Staged (or staged already), rebooted once, and the guest boots the new digest. */
        UPDATED,
        /** Rebooted into the rollback deployment. */
        ROLLED_BACK,
        /**
         * The new deployment failed the health gate (no SSH answer, or the health check failed): the previous deployment
         * boots again, healthy, and is the default again; {@link Result#failure()} says what failed.
         */
        FAILED
    }

    /** What the update did: the booted image before and after, the host's digest, and the guest's status at the end. */
    public record Result(String vm, Outcome outcome, GuestImage before, GuestImage after, String hostDigest, GuestStatus guest,
                         String failure) {
        Result(String vm, Outcome outcome, GuestImage before, GuestImage after, String hostDigest, GuestStatus guest) {
            this(vm, outcome, before, after, hostDigest, guest, null);
        }
    }

    /** Waiting between looks (a test passes one that does not sleep). */
    @FunctionalInterface
    public interface Pause {
        void sleep(Duration d);
    }

    /** Waiting by sleeping; an interrupt ends the update. */
    public static final Pause SLEEP = d -> {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("interrupted while waiting for the VM");
        }
    };

    public InPlaceUpdate(Images images, Domains domains, Ssh ssh, VmLayout layout, Duration bootTimeout, Clock clock, Pause pause) {
        this.images = images;
        this.domains = domains;
        this.ssh = ssh;
        this.layout = layout;
        this.bootTimeout = bootTimeout;
        this.clock = clock;
        this.pause = pause;
        this.gate = new UpdateGate(ssh);
    }

    /** Runs the update; the VM must be running with SSH (its status records the port and key). */
    public Result run(BootcVm vm, Request req, Progress progress) {
        VmKey key = VmKey.of(vm);
        String name = key.name();
        Ssh.Target target = target(vm, key);
        progress.phase("Reading what VM " + name + " boots (bootc status)");
        Guest before = readGuest(name, target);
        if (req.kind() == Kind.ROLLBACK) return rollback(key, target, before, req.check(), progress);

        String ref = req.kind() == Kind.SWITCH ? req.image() : vm.getSpec().getImage();
        progress.phase("Resolving " + ref);
        Image image = images.resolve(ref, req.pull() != null ? req.pull() : Defaults.pullPolicy(vm.getSpec(), ref), progress);
        String digest = image.digest();
        UpdatePlan.Action action = UpdatePlan.decide(digest, req.kind() == Kind.SWITCH ? ref : null, before.status());
        if (action == UpdatePlan.Action.UP_TO_DATE) {
            return new Result(name, Outcome.UP_TO_DATE, before.status().getBooted(), before.status().getBooted(), digest, before.status());
        }
        if (req.check()) {
            return new Result(name, Outcome.AVAILABLE, before.status().getBooted(), before.status().getBooted(), digest, before.status());
        }
        if (action == UpdatePlan.Action.STAGE) {
            stage(vm, key, target, ref, before.status(), progress);
            UpdatePlan.checkStaged(name, digest, readGuest(name, target).status());
        }
        return bootGated(vm, key, target, before, digest, progress);
    }

    /**
     * Reboots into the staged deployment with the boot counted, and gates it: SSH within the timeout, the booted digest,
     * the health check. A deployment that fails the gate is left: by {@code bootc rollback} and a reboot when it answers
     * SSH, else by a power cycle after which the boot loader takes the previous deployment.
     */
    private Result bootGated(BootcVm vm, VmKey key, Ssh.Target target, Guest before, String digest, Progress progress) {
        String name = key.name();
        boolean counted = gate.arm(name, target, progress);
        Boot after = awaitBoot(key, target, before.bootId(), rebootCommand(key, target, progress), progress);
        if (after.guest().isEmpty()) {
            String why = "VM " + name + " gave no SSH answer " + after.silence() + " (its reboot into " + digest + ")";
            return fallBack(vm, key, target, before, digest, counted, why, progress);
        }
        try {
            UpdatePlan.checkBooted(name, digest, after.guest().get().status());
        } catch (PbException e) {
            gate.disarm(name, target, progress); // it booted what it booted before: nothing new to fall back from
            throw e;
        }
        Optional<String> unhealthy = gate.check(vm.getSpec().getHealthCheck(), target, progress);
        Guest booted = after.guest().get();
        if (unhealthy.isPresent()) return rollBackUnhealthy(vm, key, target, before, booted, digest, unhealthy.get(), progress);
        gate.disarm(name, target, progress);
        return new Result(name, Outcome.UPDATED, before.status().getBooted(), booted.status().getBooted(), digest, booted.status());
    }

    /** The new deployment answers SSH but is not healthy: bootc rollback, one reboot, and the previous one must be healthy. */
    private Result rollBackUnhealthy(BootcVm vm, VmKey key, Ssh.Target target, Guest before, Guest after, String digest, String why,
                                     Progress progress) {
        String name = key.name();
        progress.phase("VM " + name + " is not healthy in " + digest + " (" + why + "): rolling back");
        Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, "bootc rollback"), Duration.ofMinutes(5));
        if (!r.ok()) throw Failure.UpdateFailed.with("VM " + name + " is not healthy in " + digest + " (" + why + ") and bootc rollback failed: " + tail(r));
        // the rollback boots the deployment known good: uncounted, or the boot loader's fallback would take the failed one
        gate.disarm(name, target, progress);
        Boot backBoot = awaitBoot(key, target, after.bootId(), rebootCommand(key, target, progress), progress);
        Guest back = backBoot.guest().orElseThrow(() -> Failure.SshTimeout.with("VM " + name + " is not healthy in " + digest + " (" + why
                + ") and gave no SSH answer " + backBoot.silence() + " (the reboot into its previous deployment): see " + layout.serialLog(key)));
        return rolledBack(vm, key, target, before, back, digest, why, progress);
    }

    /**
     * The new deployment never answered SSH: a power cycle, after which a counted boot falls back to the previous
     * deployment; that one is made the default again (bootc rollback reverts the queued rollback) and must be healthy.
     */
    private Result fallBack(BootcVm vm, VmKey key, Ssh.Target target, Guest before, String digest, boolean counted, String why,
                            Progress progress) {
        String name = key.name();
        if (!counted) {
            throw Failure.SshTimeout.with(why + ", and its boot loader counts no boots (no grub2-editenv in the guest), so pb cannot boot"
                    + " the previous deployment without a login: see " + layout.serialLog(key) + "; choose the previous entry in the boot menu"
                    + " (pb console " + name + ") and run pb rollback " + name);
        }
        String domain = layout.domainName(key);
        progress.phase(why + ": power-cycling it, so its boot loader falls back to the previous deployment");
        ConsolePrompt console = new ConsolePrompt(domains, layout.serialLog(key), clock);
        domains.destroy(domain);
        domains.start(domain);
        Boot backBoot = awaitBoot(key, target, before.bootId(), console, progress);
        Guest back = backBoot.guest().orElseThrow(() -> Failure.SshTimeout.with(why + ", nor " + backBoot.silence()
                + " (the power cycle that should boot its previous deployment): see " + layout.serialLog(key)));
        if (Boolean.TRUE.equals(back.status().getRollbackQueued()) && back.status().getRollback() != null
                && digest.equals(back.status().getRollback().getDigest())) {
            // booted as the boot loader's fallback: the failed deployment is still the default; bootc rollback reverts that
            progress.phase("Making VM " + name + "'s previous deployment the default again (bootc rollback)");
            Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, "bootc rollback"), Duration.ofMinutes(5));
            if (!r.ok()) throw Failure.UpdateFailed.with(why + "; it booted its previous deployment again, but bootc rollback failed: " + tail(r));
            back = readGuest(name, target);
        }
        return rolledBack(vm, key, target, before, back, digest, why, progress);
    }

    /** After a rollback: the previous digest must boot and be healthy; the counting stops; the update is reported failed. */
    private Result rolledBack(BootcVm vm, VmKey key, Ssh.Target target, Guest before, Guest back, String digest, String why, Progress progress) {
        String name = key.name();
        String previous = before.status().bootedDigest().orElse(null);
        if (previous == null || !previous.equals(back.status().bootedDigest().orElse(null))) {
            throw Failure.UpdateFailed.with(why + "; rolling back booted " + back.status().bootedDigest().orElse(null) + ", not the previous " + previous);
        }
        Optional<String> stillBad = gate.check(vm.getSpec().getHealthCheck(), target, progress);
        if (stillBad.isPresent()) throw Failure.UpdateFailed.with(why + "; rolled back to " + previous + ", which is not healthy either: " + stillBad.get());
        gate.disarm(name, target, progress);
        return new Result(name, Outcome.FAILED, before.status().getBooted(), back.status().getBooted(), digest, back.status(), why);
    }

    private Result rollback(VmKey key, Ssh.Target target, Guest before, boolean check, Progress progress) {
        String name = key.name();
        boolean command = UpdatePlan.rollbackNeedsCommand(name, before.status());
        GuestImage to = before.status().getRollback();
        if (check) return new Result(name, Outcome.AVAILABLE, before.status().getBooted(), to, to.getDigest(), before.status());
        if (command) {
            progress.phase("Queueing the rollback deployment (bootc rollback)");
            Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, "bootc rollback"), Duration.ofMinutes(5));
            if (!r.ok()) throw Failure.UpdateFailed.with("bootc rollback failed in VM " + name + ": " + tail(r));
        }
        Guest after = reboot(key, target, before.bootId(), progress);
        UpdatePlan.checkBooted(name, to.getDigest(), after.status());
        return new Result(name, Outcome.ROLLED_BACK, before.status().getBooted(), after.status().getBooted(), to.getDigest(), after.status());
    }

    /** Shares the host's storage read-only with the running domain, stages with bootc, and unplugs the share whatever happened. */
    private void stage(BootcVm vm, VmKey key, Ssh.Target target, String ref, GuestStatus guest, Progress progress) {
        Images.Storage storage = images.storage();
        Domains.HostFacts facts = domains.facts();
        Path virtiofsd = facts.virtiofsd().orElseThrow(() -> Failure.VirtiofsdMissing.with(
                "an in-place update shares the host's container storage with virtiofsd, which this host lacks: run pb doctor --fix"));
        facts.volumesRefused().ifPresent(why -> {
            throw Failure.VirtiofsdMissing.with("an in-place update shares the host's container storage over virtiofs: " + why);
        });
        DomainSpec.SharedFolder share = new DomainSpec.SharedFolder(storage.graphRoot(), UpdatePlan.STORAGE_MOUNT, true, UpdatePlan.STORAGE_TAG);
        String domain = layout.domainName(key);
        progress.phase("Sharing " + storage.graphRoot() + " read-only with VM " + key.name() + " for the update");
        try {
            domains.attachShare(domain, share, virtiofsd, layout.readOnlyVirtiofsd());
        } catch (PbException e) {
            throw Failure.UpdateFailed.with("cannot share " + storage.graphRoot() + " with VM " + key.name() + ": " + e.getMessage()
                    + " (a VM whose domain an earlier pb defined takes hot-plugged shares after pb stop " + key.name()
                    + " && pb start " + key.name() + ")", e);
        }
        try {
            String bootc = UpdatePlan.stageCommand(ref, guest);
            progress.phase("Staging " + ref + " in VM " + key.name() + " (" + bootc + ")");
            Ssh.Exec r = ssh.exec(target, GuestView.asRoot(target, UpdatePlan.stageScript(bootc, storage.driver())), Duration.ofMinutes(30));
            for (String line : r.stdout().split("\n")) if (!line.isBlank()) progress.output(line);
            if (!r.ok()) throw Failure.UpdateFailed.with("staging " + ref + " in VM " + key.name() + " failed (" + bootc + "): " + tail(r));
        } finally {
            progress.phase("Unsharing " + storage.graphRoot() + " from VM " + key.name());
            try {
                domains.detachShare(domain, share, virtiofsd, layout.readOnlyVirtiofsd());
            } catch (PbException e) {
                // the stage stands (or its own failure is the news): say so rather than hide either
                progress.output("warning: " + storage.graphRoot() + " is still plugged into VM " + key.name()
                        + " (read-only; gone when the domain stops): " + e.getMessage());
            }
        }
    }

    /** Reboots the guest and waits for a new boot (another boot id) to answer SSH; then reads its status. */
    private Guest reboot(VmKey key, Ssh.Target target, String bootId, Progress progress) {
        Boot boot = awaitBoot(key, target, bootId, rebootCommand(key, target, progress), progress);
        return boot.guest().orElseThrow(() -> Failure.SshTimeout.with("VM " + key.name()
                + " did not answer SSH " + boot.silence() + " (its reboot): see " + layout.serialLog(key)));
    }

    /** Reboots the guest; returns its console as it was just before, so what the next boot writes is told apart. */
    private ConsolePrompt rebootCommand(VmKey key, Ssh.Target target, Progress progress) {
        ConsolePrompt console = new ConsolePrompt(domains, layout.serialLog(key), clock);
        progress.phase("Rebooting VM " + key.name());
        ssh.exec(target, GuestView.asRoot(target, "systemctl reboot"), Duration.ofSeconds(30)); // the connection may drop before it answers
        return console;
    }

    /** A boot waited for: the guest and its status once it answered SSH, else how long it stayed silent. */
    private record Boot(Optional<Guest> guest, String silence) {
    }

    /**
     * Waits for a boot other than {@code bootId} to answer SSH, and reads its status: within the boot timeout, or
     * {@link ConsolePrompt#GRACE} after the console showed that boot's login prompt, whichever comes first.
     */
    private Boot awaitBoot(VmKey key, Ssh.Target target, String bootId, ConsolePrompt console, Progress progress) {
        String name = key.name();
        Instant deadline = clock.instant().plus(bootTimeout);
        progress.phase("Waiting for VM " + name + " to boot again");
        while (true) {
            Ssh.Exec r = ssh.exec(target, "cat /proc/sys/kernel/random/boot_id", Duration.ofSeconds(30));
            if (r.ok() && !r.stdout().strip().isEmpty() && !r.stdout().strip().equals(bootId)) break;
            if (clock.instant().isAfter(deadline)) return new Boot(Optional.empty(), "within " + bootTimeout.toSeconds() + " s");
            if (console.promptLongAgo()) {
                return new Boot(Optional.empty(), "in the " + ConsolePrompt.GRACE.toSeconds() + " s after its console showed the login prompt");
            }
            pause.sleep(Duration.ofSeconds(2));
        }
        progress.phase("Reading what VM " + name + " boots now");
        return new Boot(Optional.of(readGuest(name, target)), null);
    }

    /** The guest's boot id and bootc status, in one login. */
    private Guest readGuest(String name, Ssh.Target target) {
        Ssh.Exec r = ssh.exec(target, "cat /proc/sys/kernel/random/boot_id && " + GuestView.asRoot(target, "bootc status --json"), Duration.ofMinutes(2));
        if (r.sshFailed()) throw Failure.NoSsh.with("VM " + name + " did not answer SSH: " + tail(r));
        if (!r.ok()) {
            throw Failure.NotUpdatable.with("bootc status failed in VM " + name + " (an image without bootc cannot be updated in place): " + tail(r));
        }
        String out = r.stdout().strip();
        int nl = out.indexOf('\n');
        if (nl < 0) throw Failure.NotUpdatable.with("bootc status printed nothing in VM " + name);
        try {
            GuestStatus status = GuestStatus.fromBootcStatus(out.substring(nl + 1));
            status.setObservedAt(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            return new Guest(out.substring(0, nl).strip(), status);
        } catch (PbException e) {
            throw Failure.NotUpdatable.with("VM " + name + ": " + e.getMessage());
        }
    }

    /** What the guest said in one login. */
    private record Guest(String bootId, GuestStatus status) {
    }

    private Ssh.Target target(BootcVm vm, VmKey key) {
        var st = vm.getStatus();
        boolean running = domains.find(layout.domainName(key)).map(Domain::running).orElse(false);
        if (!running || st == null || st.getSshPort() == null || st.getSshKeyPath() == null) {
            throw Failure.VmNotRunning.with("VM " + key.name() + " is not running with SSH: pb start " + key.name() + " first");
        }
        String host = vm.sshHost().orElseThrow(() -> Failure.VmNotRunning.with("VM " + key.name() + " has no address on its "
                + vm.getSpec().getNetwork() + " network " + vm.getSpec().getNetworkName() + " yet: wait for pb start " + key.name() + " to finish"));
        return new Ssh.Target(host, st.getSshPort(), Defaults.sshUser(vm.getSpec()), Path.of(st.getSshKeyPath()), layout.knownHosts(key));
    }

    static String tail(Ssh.Exec r) {
        String text = (r.stderr() == null || r.stderr().isBlank() ? r.stdout() : r.stderr()).strip();
        String[] lines = text.split("\n");
        String last = lines.length == 0 ? "" : lines[lines.length - 1];
        return last.isBlank() ? "exit status " + r.status() : last + " (exit status " + r.status() + ")";
    }
}
