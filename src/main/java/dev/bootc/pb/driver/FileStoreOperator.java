package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.store.VmStore;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code pb operator --store file}: keeps every BootcVm of this node reconciled. Wakes on store
 * changes (the file watch) and on libvirt lifecycle events; looks at everything again every resync
 * period as a safety net, since reconciles are level-triggered, and at once when the libvirt
 * connection comes back after a loss (events of the gap are gone).
 *
 * <p>One operator acts per node and host: it first takes the node's operator lock (a host lock file),
 * and a second one waits, saying so, until the first stops; when the first is killed the kernel frees
 * its lock and the waiting one takes over at once.
 */
public final class FileStoreOperator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FileStoreOperator.class);

    private final DriverSupport support;
    private final Domains domains;
    private final NodeFilter filter;
    private final int workers;
    private final Duration resync;
    private final WorkQueue<VmKey> queue = new WorkQueue<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch active = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong reconciles = new AtomicLong();
    private final OwnEvents ownEvents = new OwnEvents();
    private volatile boolean running;
    private Thread lockHolder;

    public FileStoreOperator(DriverSupport support, Domains domains, NodeFilter filter, int workers, Duration resync) {
        this.support = support;
        this.domains = domains;
        this.filter = filter;
        this.workers = workers;
        this.resync = resync;
    }

    /** Reconcile passes done so far (for benchmarks and logs). */
    public long reconciles() {
        return reconciles.get();
    }

    public int queued() {
        return queue.size();
    }

    /** The node's operator lock: one active file-store operator per node on this host. */
    public Path lockFile() {
        return support.hostLockFile("operator-" + filter.node().replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    /**
     * Starts the operator: it takes the node's operator lock (waiting while another operator holds it),
     * then watches and reconciles. Returns at once; {@link #awaitActive} waits for the lock.
     */
    public synchronized void start() {
        running = true;
        Path lock = lockFile();
        // The lock is taken, held and released by this one thread: an in-process lock belongs to its thread.
        lockHolder = new Thread(() -> holdLockAndRun(lock), "pb-operator-lock");
        lockHolder.setDaemon(true);
        lockHolder.start();
    }

    /** Whether this operator holds the node's lock and works, waiting up to {@code timeout}. */
    public boolean awaitActive(Duration timeout) throws InterruptedException {
        return active.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void holdLockAndRun(Path lockFile) {
        HostLock lock;
        try {
            lock = HostLock.acquire(lockFile, () -> LOG.infof("Another pb operator for node %s is active (%s holds %s): waiting until it stops",
                    filter.node(), HostLock.holderPid(lockFile).map(p -> "pid " + p).orElse("another process"), lockFile));
        } catch (PbException e) {
            if (running) LOG.errorf("Operator for node %s cannot take its lock: %s", filter.node(), e.getMessage());
            return;
        }
        try {
            if (!running) return;
            activate();
            active.countDown();
            stopped.await();
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "Operator for node %s failed to start: %s", filter.node(), e.getMessage());
        } finally {
            lock.close();
        }
    }

    private synchronized void activate() {
        VmStore store = support.store();
        closeables.add(store.watch(null, e -> {
            // the echo of a pass's own status write is no change: the pass knew all it says (one pass per change)
            if (e.type() == VmStore.WatchEvent.Type.MODIFIED && support.isOwnWrite(e.resource())) return;
            if (filter.mine(e.resource())) queue.add(VmKey.of(e.resource()), Duration.ZERO);
        }));
        if (domains != null) closeables.add(domains.subscribe(this::onDomainEvent));
        for (int i = 0; i < workers; i++) startThread("pb-operator-" + i, this::work);
        startThread("pb-operator-resync", this::resyncLoop);
        LOG.infof("Operator for node %s on %s started", filter.node(), store.describe());
    }

    private void startThread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    private void onDomainEvent(DomainEvent e) {
        if (e.type() == DomainEvent.Type.RECONNECTED) {
            LOG.infof("%s: looking at every VM again", e.detail());
            resync();
            return;
        }
        e.owner().ifPresent(key -> {
            LOG.debugf("libvirt: %s %s", e.domainName(), e.type());
            // the echo of a pass's own define or start is no change (one pass per change); held while a pass runs
            if (ownEvents.isNews(key, e.type())) queue.add(key, Duration.ZERO);
        });
    }

    /** Queues every VM of this node now, as the periodic resync and a libvirt reconnect do. */
    public void resync() {
        try {
            for (BootcVm vm : support.store().list(null)) if (filter.mine(vm)) queue.add(VmKey.of(vm), Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.warnf("Resync failed: %s", e.getMessage());
        }
    }

    private void resyncLoop() {
        while (running) {
            try {
                Thread.sleep(resync.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            resync();
        }
    }

    private void work() {
        while (running) {
            VmKey key;
            try {
                key = queue.take(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) continue;
            try {
                var current = support.store().get(key.namespace(), key.name());
                if (current.isEmpty() || !filter.mine(current.get())) continue;
                VmKey k = key;
                ownEvents.passBegins(key);
                DriverSupport.Pass pass = null;
                try {
                    pass = support.pass(key, line -> LOG.infof("%s: %s", k, line));
                } finally {
                    // libvirt events heard meanwhile that the pass's result does not account for make another pass
                    if (ownEvents.passEnds(key, pass == null ? null : pass.outcome())) queue.add(key, Duration.ZERO);
                }
                reconciles.incrementAndGet();
                Outcome o = pass.outcome();
                if (o != null && o.failure() != null) LOG.warnf("%s: %s", key, o.failure().getMessage());
                if (pass.next() != null) queue.add(key, pass.next());
            } catch (PbException e) {
                if (!running) return; // closing: a pass cut short (interrupted at the store's lock) is no failure
                if (e.failure() == Failure.StoreCorrupt) {
                    // a file that became corrupt (or names another resource inside): retrying cannot fix it; the watch
                    // queues it again once it is fixed, and the resource stays as it was meanwhile
                    LOG.warnf("%s: not reconciled until its file is fixed: %s", key, e.getMessage());
                    continue;
                }
                LOG.warnf("%s: reconcile failed: %s", key, e.getMessage()); // libvirt or the store away for a while: retried
                queue.add(key, support.retryAfterError(key));
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s: reconcile failed: %s", key, e.getMessage());
                queue.add(key, support.retryAfterError(key));
            } finally {
                queue.done(key);
            }
        }
    }

    /** Blocks until {@link #close()}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        List<Thread> toStop;
        synchronized (this) {
            running = false;
            for (AutoCloseable c : closeables) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing anyway
                }
            }
            closeables.clear();
            toStop = new ArrayList<>(threads);
            if (lockHolder != null) toStop.add(lockHolder);
        }
        toStop.forEach(Thread::interrupt);
        stopped.countDown();
        if (lockHolder != null && lockHolder != Thread.currentThread()) {
            try {
                lockHolder.join(5000); // the node's lock is free when close returns
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
