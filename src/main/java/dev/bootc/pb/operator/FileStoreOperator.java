package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.libvirt.DomainEvent;
import dev.bootc.pb.libvirt.Hypervisor;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.store.VmStore;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * `pb operator --store file`: keeps every BootcVm of this node reconciled. Wakes on store changes
 * (the file watch) and on libvirt lifecycle events, and looks at everything again every resync
 * period, since reconciles are level-triggered.
 */
public final class FileStoreOperator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(FileStoreOperator.class);

    private final VmStore store;
    private final InProcessDriver driver;
    private final Hypervisor hypervisor;
    private final String nodeName;
    private final int workers;
    private final Duration resync;
    private final WorkQueue queue = new WorkQueue();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong reconciles = new AtomicLong();
    private volatile boolean running;

    public FileStoreOperator(VmStore store, InProcessDriver driver, Hypervisor hypervisor, String nodeName, int workers, Duration resync) {
        this.store = store;
        this.driver = driver;
        this.hypervisor = hypervisor;
        this.nodeName = nodeName;
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
        closeables.add(store.watch(null, e -> {
            if (mine(e.resource())) queue.add(key(e.resource()), Duration.ZERO);
        }));
        if (hypervisor != null) {
            closeables.add(hypervisor.subscribe(this::onDomainEvent));
        }
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "pb-operator-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        Thread r = new Thread(this::resyncLoop, "pb-operator-resync");
        r.setDaemon(true);
        r.start();
        threads.add(r);
        LOG.infof("Operator for node %s on %s started", nodeName, store.describe());
    }

    private void onDomainEvent(DomainEvent e) {
        if (e.owned()) {
            LOG.debugf("libvirt: %s %s", e.domainName(), e.type());
            queue.add(e.ownerNamespace() + "/" + e.ownerName(), Duration.ZERO);
        }
    }

    private boolean mine(BootcVm vm) {
        String n = vm.getSpec() == null ? null : vm.getSpec().getNodeName();
        return n == null || n.equals(nodeName);
    }

    private static String key(BootcVm vm) {
        return vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
    }

    private void resyncLoop() {
        while (running) {
            try {
                Thread.sleep(resync.toMillis());
                for (BootcVm vm : store.list(null)) if (mine(vm)) queue.add(key(vm), Duration.ZERO);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("Resync failed: %s", e.getMessage());
            }
        }
    }

    private void work() {
        while (running) {
            String key;
            try {
                key = queue.take(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) continue;
            try {
                int slash = key.indexOf('/');
                String ns = key.substring(0, slash);
                String name = key.substring(slash + 1);
                var current = store.get(ns, name);
                if (current.isEmpty() || !mine(current.get())) continue;
                InProcessDriver.Pass pass = driver.reconcileOnce(ns, name, "missing", line -> LOG.infof("%s: %s", key, line));
                reconciles.incrementAndGet();
                Outcome o = pass.outcome();
                if (o != null && o.failure() != null) LOG.warnf("%s: %s", key, o.failure().getMessage());
                if (o != null && o.requeueAfter() != null) queue.add(key, o.requeueAfter());
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s: reconcile failed: %s", key, e.getMessage());
                queue.add(key, Duration.ofSeconds(5));
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
