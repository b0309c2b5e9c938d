package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.store.VmStore;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code pb operator --store file}: keeps every BootcVm of this node reconciled. Wakes on store
 * changes (the file watch) and on libvirt lifecycle events; looks at everything again every resync
 * period as a safety net, since reconciles are level-triggered.
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
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong reconciles = new AtomicLong();
    private volatile boolean running;

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

    public void start() {
        running = true;
        VmStore store = support.store();
        closeables.add(store.watch(null, e -> {
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
        e.owner().ifPresent(key -> {
            LOG.debugf("libvirt: %s %s", e.domainName(), e.type());
            queue.add(key, Duration.ZERO);
        });
    }

    private void resyncLoop() {
        while (running) {
            try {
                Thread.sleep(resync.toMillis());
                for (BootcVm vm : support.store().list(null)) if (filter.mine(vm)) queue.add(VmKey.of(vm), Duration.ZERO);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("Resync failed: %s", e.getMessage());
            }
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
                DriverSupport.Pass pass = support.pass(key, PullPolicy.DEFAULT, line -> LOG.infof("%s: %s", k, line));
                reconciles.incrementAndGet();
                Outcome o = pass.outcome();
                if (o != null && o.failure() != null) LOG.warnf("%s: %s", key, o.failure().getMessage());
                if (pass.next() != null) queue.add(key, pass.next());
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
        running = false;
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
        threads.forEach(Thread::interrupt);
        stopped.countDown();
    }
}
