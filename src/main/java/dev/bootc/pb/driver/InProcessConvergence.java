package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.Outcome;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The file store's wait: pb's own process reconciles the VM, pass after pass, as an operator would.
 * A pass that throws a failure that may heal (libvirtd restarting, the store briefly unwritable) is
 * tried again after the one back-off, as an operator would, until the timeout; a terminal one ends the wait.
 * The timeout counts from the domain's start ({@link Deadline}): a pass that pulled and built for long eats none of it.
 */
public final class InProcessConvergence implements Convergence {
    private static final Duration SETTLED_LOOK = Duration.ofMillis(500);

    private final DriverSupport support;

    public InProcessConvergence(DriverSupport support) {
        this.support = support;
    }

    @Override
    public Optional<BootcVm> await(VmKey key, Predicate<Optional<BootcVm>> done, Duration timeout,
                                   Consumer<String> progress) {
        Deadline deadline = new Deadline(timeout);
        // a progress sink that also hears the tools' output (podman pull, the disk build) gets it
        Progress sink = progress instanceof Progress p ? p : progress::accept;
        while (true) {
            DriverSupport.Pass pass;
            try {
                pass = support.pass(key, sink);
            } catch (PbException e) {
                if (e.terminal()) throw e;
                Duration wait = support.retryAfterError(key);
                if (deadline.passedIn(wait)) throw e;
                progress.accept(e.getMessage() + ": trying again");
                sleep(wait);
                continue;
            }
            if (done.test(pass.vm())) return pass.vm();
            if (pass.vm().isEmpty()) throw Failure.VmNotFound.with("VM " + key.name() + " was removed while pb waited for it");
            deadline.restartOnNewBoot(pass.vm());
            Outcome o = pass.outcome();
            if (o != null && o.terminal()) throw o.failure();
            Duration wait = pass.next() != null ? pass.next() : SETTLED_LOOK;
            if (deadline.passedIn(wait)) {
                if (o != null && o.failure() != null) throw o.failure();
                throw Failure.Timeout.with("VM " + key.name() + " did not settle within " + timeout.toSeconds() + " s: "
                        + pass.vm().map(v -> v.getStatus() == null ? "no status" : v.getStatus().getMessage()).orElse(""));
            }
            sleep(wait);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("Interrupted");
        }
    }
}
