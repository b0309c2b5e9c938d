package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.StoreSemantics;
import dev.bootc.pb.store.VmStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Drives the reconcile core against a store from inside a pb process. A pass holds the VM's lock
 * (threads and processes alike), so two pb processes never both build, define or start one VM; it
 * adds the finalizer, writes the status only when it changed, and lets a deleted resource go once
 * its VM is cleaned up.
 */
public final class InProcessDriver {
    private static final Logger LOG = Logger.getLogger(InProcessDriver.class);

    private final VmStore store;
    private final VmReconciler reconciler;
    private final Path lockDir;

    /** The result of one pass: the resource as stored after it (empty when it is gone) and the outcome. */
    public record Pass(Optional<BootcVm> vm, Outcome outcome) {
    }

    public InProcessDriver(VmStore store, VmReconciler reconciler, Path lockDir) {
        this.store = store;
        this.reconciler = reconciler;
        this.lockDir = lockDir;
    }

    public VmReconciler reconciler() {
        return reconciler;
    }

    /** One reconcile pass on one resource. */
    public Pass reconcileOnce(String namespace, String name, String pullPolicy, Consumer<String> progress) {
        return locked(namespace, name, () -> {
            Optional<BootcVm> found = store.get(namespace, name);
            if (found.isEmpty()) return new Pass(Optional.empty(), null);
            BootcVm vm = ensureFinalizer(found.get());
            if (vm == null) return new Pass(Optional.empty(), null);
            Outcome outcome = reconciler.reconcile(vm, pullPolicy, progress);
            if (outcome.deleted()) {
                removeFinalizer(vm);
                return new Pass(Optional.empty(), outcome);
            }
            return new Pass(Optional.of(writeStatus(vm, outcome)), outcome);
        });
    }

    /**
     * Passes until {@code done} holds for the stored resource (or it is gone, when gone is what was
     * asked), a failure that cannot heal by waiting, or the timeout. Failures come back as thrown
     * {@link PbException}s.
     */
    public Optional<BootcVm> reconcileUntil(String namespace, String name, Predicate<Optional<BootcVm>> done, Duration timeout,
                                            String pullPolicy, Consumer<String> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration backoff = Duration.ofSeconds(1);
        while (true) {
            Pass pass = reconcileOnce(namespace, name, pullPolicy, progress);
            if (done.test(pass.vm())) return pass.vm();
            if (pass.vm().isEmpty()) {
                throw new PbException.NotFound("VmNotFound", "VM " + name + " was removed while pb waited for it");
            }
            Outcome o = pass.outcome();
            if (o != null && o.terminal()) throw o.failure();
            Duration wait = o == null || o.requeueAfter() == null ? Duration.ofMillis(500) : o.requeueAfter();
            if (o != null && o.failure() != null) {
                wait = backoff;
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
            }
            if (System.nanoTime() + wait.toNanos() > deadline) {
                if (o != null && o.failure() != null) throw o.failure();
                throw new PbException.Failed("Timeout", "VM " + name + " did not settle within " + timeout.toSeconds() + " s: "
                        + pass.vm().map(v -> v.getStatus() == null ? "no status" : v.getStatus().getMessage()).orElse(""));
            }
            sleep(wait);
        }
    }

    private BootcVm ensureFinalizer(BootcVm vm) {
        return writeWithRetry(vm, current -> {
            var m = current.getMetadata();
            if (m.getDeletionTimestamp() != null || (m.getFinalizers() != null && m.getFinalizers().contains(BootcVm.FINALIZER))) {
                return null;
            }
            var fins = m.getFinalizers() == null ? new ArrayList<String>() : new ArrayList<>(m.getFinalizers());
            fins.add(BootcVm.FINALIZER);
            m.setFinalizers(fins);
            return current;
        }, store::update);
    }

    private void removeFinalizer(BootcVm vm) {
        writeWithRetry(vm, current -> {
            if (current.getMetadata().getFinalizers() == null || !current.getMetadata().getFinalizers().remove(BootcVm.FINALIZER)) return null;
            return current;
        }, store::update);
    }

    private BootcVm writeStatus(BootcVm vm, Outcome outcome) {
        BootcVm written = writeWithRetry(vm, current -> {
            BootcVm before = Json.copy(current, BootcVm.class);
            current.setStatus(outcome.status());
            return StoreSemantics.statusChanged(before, current) ? current : null;
        }, store::updateStatus);
        return written == null ? vm : written;
    }

    /**
     * Applies a change to a copy of the resource and writes it, reading the resource again after a
     * conflict. The change returns null when there is nothing to write. Returns what is stored
     * after it, or null when the resource is gone.
     */
    private BootcVm writeWithRetry(BootcVm vm, java.util.function.UnaryOperator<BootcVm> change,
                                   java.util.function.UnaryOperator<BootcVm> write) {
        BootcVm current = vm;
        for (int i = 0; i < 20; i++) {
            BootcVm next = change.apply(Json.copy(current, BootcVm.class));
            if (next == null) return current;
            try {
                return write.apply(next);
            } catch (PbException.Conflict e) {
                Optional<BootcVm> again = store.get(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
                if (again.isEmpty()) return null;
                current = again.get();
            } catch (PbException.NotFound e) {
                return null;
            }
        }
        LOG.warnf("Could not write %s: it keeps changing", vm.key());
        return current;
    }

    private <T> T locked(String namespace, String name, java.util.function.Supplier<T> action) {
        return VmLocks.withLock(lockDir, namespace, name, action);
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PbException.Failed("Interrupted", "Interrupted");
        }
    }
}
