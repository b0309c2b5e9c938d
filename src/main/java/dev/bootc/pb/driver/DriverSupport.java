package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.EventLog;
import dev.bootc.pb.store.StoreSemantics;
import dev.bootc.pb.store.VmStore;
import dev.bootc.pb.store.Writes;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What every driver (the in-process one of pb's verbs, the file-store operator, the Kubernetes
 * controller) does around the reconcile core, in one place: take the VM's lock (threads and processes
 * alike), read the resource, add the finalizer, reconcile, record the events, write the status only
 * when it changed, let a deleted resource go once its VM is cleaned up, and say when to look again
 * (the core's wish, the back-off after a failure that may heal, never for a terminal failure).
 */
public final class DriverSupport {
    private static final Logger LOG = Logger.getLogger(DriverSupport.class);

    /** The resourceVersions of this driver's last two writes of each VM ({@link #isOwnWrite}). */
    private final java.util.Map<VmKey, java.util.List<String>> ownWrites = new java.util.concurrent.ConcurrentHashMap<>();
    private final VmStore store;
    private final VmReconciler core;
    private final EventLog events;
    private final Path lockDir;
    private final Backoff<VmKey> backoff = new Backoff<>();

    /** The result of one pass: the resource as stored after it (empty when it is gone), the outcome, and when to look again (null: on change only). */
    public record Pass(Optional<BootcVm> vm, Outcome outcome, Duration next) {
    }

    public DriverSupport(VmStore store, VmReconciler core, EventLog events, Path lockDir) {
        this.store = store;
        this.core = core;
        this.events = events;
        this.lockDir = lockDir;
    }

    public VmStore store() {
        return store;
    }

    /** A host-wide lock file beside the VMs' own (the operator's, one per node). */
    public Path hostLockFile(String name) {
        return lockDir.resolve(name + ".lock");
    }

    /**
     * Runs {@code action} holding the VM's lock, which every pass of that VM takes: no driver on this host reconciles
     * it meanwhile (so nothing starts it while {@code pb export} copies its disk).
     */
    public <T> T exclusive(VmKey key, java.util.function.Supplier<T> action) {
        return HostLock.with(vmLockFile(key), action);
    }

    private Path vmLockFile(VmKey key) {
        return lockDir.resolve(key.namespace() + "_" + key.name() + ".lock");
    }

    /** One reconcile pass on one resource. */
    public Pass pass(VmKey key, Progress progress) {
        return HostLock.with(vmLockFile(key), () -> {
            Optional<BootcVm> found = store.get(key.namespace(), key.name());
            if (found.isEmpty()) return new Pass(Optional.empty(), null, null);
            BootcVm vm = ensureFinalizer(found.get());
            if (vm == null) return new Pass(Optional.empty(), null, null);
            Outcome outcome = core.reconcile(vm, progress);
            for (Outcome.Event e : outcome.events()) events.record(vm, e.reason().name(), e.message(), e.warning());
            if (outcome.failure() != null) LOG.debugf("%s: %s", key, outcome.failure().getMessage());
            if (outcome.deleted()) {
                removeFinalizer(vm);
                events.forget(key);
                backoff.reset(key);
                ownWrites.remove(key);
                return new Pass(Optional.empty(), outcome, null);
            }
            BootcVm stored = writeStatus(vm, outcome);
            return new Pass(Optional.ofNullable(stored), outcome, next(key, outcome));
        });
    }

    /** When to look again: the core's wish; after a failure that may heal, the back-off; after a terminal one, never by itself. */
    private Duration next(VmKey key, Outcome o) {
        PbException failure = o.failure();
        if (failure == null) {
            backoff.reset(key);
            return o.requeueAfter();
        }
        if (failure.terminal()) {
            backoff.reset(key);
            return null;
        }
        return backoff.next(key);
    }

    /** The back-off after a pass that threw (the store could not be read or written, say). */
    public Duration retryAfterError(VmKey key) {
        return backoff.next(key);
    }

    /**
     * What this process, which reconciles the resources it creates, does to one before it is written: refuses what can
     * be known bad already ({@link VmReconciler#precheck}), and holds it with the finalizer its first pass would write.
     */
    public void admit(BootcVm vm) {
        core.precheck(vm);
        var fins = vm.getMetadata().getFinalizers() == null ? new ArrayList<String>() : new ArrayList<>(vm.getMetadata().getFinalizers());
        if (!fins.contains(BootcVm.FINALIZER)) fins.add(BootcVm.FINALIZER);
        vm.getMetadata().setFinalizers(fins);
    }

    private BootcVm ensureFinalizer(BootcVm vm) {
        return writeWithRetry(vm, current -> {
            var m = current.getMetadata();
            if (m.getDeletionTimestamp() != null || (m.getFinalizers() != null && m.getFinalizers().contains(BootcVm.FINALIZER))) return null;
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
        return writeWithRetry(vm, current -> {
            BootcVm before = current.copy();
            current.setStatus(outcome.status());
            return StoreSemantics.statusChanged(before, current) ? current : null;
        }, store::updateStatus);
    }

    private BootcVm writeWithRetry(BootcVm vm, UnaryOperator<BootcVm> change, UnaryOperator<BootcVm> write) {
        BootcVm stored = Writes.withRetry(store, vm, change, write);
        if (stored != null && stored.getMetadata().getResourceVersion() != null) {
            // a pass writes twice at most (the finalizer, then the status): their echoes may come after both
            ownWrites.merge(VmKey.of(stored), java.util.List.of(stored.getMetadata().getResourceVersion()), (old, now) ->
                    java.util.List.of(old.get(old.size() - 1), now.get(0)));
        }
        return stored;
    }

    /**
     * Whether {@code seen}, as a watch delivers it, is one of this driver's own last writes of it: its echo, which a pass
     * need not look at (the pass that wrote it knew all it says). Any other version is someone's change.
     */
    public boolean isOwnWrite(BootcVm seen) {
        String rv = seen.getMetadata().getResourceVersion();
        return rv != null && ownWrites.getOrDefault(VmKey.of(seen), java.util.List.of()).contains(rv);
    }
}
