package dev.bootc.pb.bench;



import dev.bootc.pb.driver.DriverSupport;
import dev.bootc.pb.driver.FileStoreOperator;
import dev.bootc.pb.driver.NodeFilter;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.testing.TestDriverWorld;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.VmStore;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reconcile throughput and memory of the operator loop: N BootcVms in a store (the file store, or a
 * Kubernetes API server), reconciled by {@link FileStoreOperator} with the {@link DriverSupport}
 * against libvirt's test:///default driver (real libvirt calls, real overlays and keys; no guest, so
 * SSH is stood in for) until every one is Running.
 *
 * <p>The N resources are created first (timed apart), then the operator starts and the clock runs
 * until the last VM's status says Running. Prints one line of key=value figures on stdout.
 *
 * <p>Usage: {@code ReconcileBench file|kube N WORKDIR [API-URL|-] [WORKERS]}.
 */
public final class ReconcileBench {
    private static final String NAMESPACE = "bench";
    private static final String NODE = "bench-node";

    private ReconcileBench() {
    }

    public static void main(String[] args) throws Exception {
        Bench.quietLogging();
        Bench.WarningCounter failures = Bench.WarningCounter.on("dev.bootc.pb.driver.FileStoreOperator");
        String kind = args[0];
        int n = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        String url = args.length > 3 && !args[3].equals("-") ? args[3] : null;
        int workers = args.length > 4 ? Integer.parseInt(args[4]) : 2; // pb operator's default
        Files.createDirectories(dir);

        VmStore backing = switch (kind) {
            case "file" -> new FileVmStore(dir.resolve("store"));
            case "kube" -> new KubeVmStore(new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
                    .withMasterUrl(url).withNamespace(NAMESPACE).withTrustCerts(true)
                    .withRequestTimeout(60_000).withConnectionTimeout(10_000).build()).build(), true);
            default -> throw new IllegalArgumentException("store: file or kube, not " + kind);
        };
        RunningTracker store = new RunningTracker(backing, n);
        TestDriverWorld world = new TestDriverWorld(dir.resolve("world"));
        VmReconciler core = new VmReconciler(world.images, world.disks, world.domains, world.ssh, world.layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(60)), java.time.Clock.systemUTC());
        DriverSupport driver = new DriverSupport(store, core, new FileEventLog(world.layout.events()), world.layout.locks());

        long c0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
            spec.setNodeName(NODE);
            store.create(new BootcVm(NAMESPACE, String.format(Locale.ROOT, "vm-%04d", i), spec));
        }
        double createS = (System.nanoTime() - c0) / 1e9;
        long rssAfterCreate = Bench.procStatusKiB("VmRSS");

        // the same wiring as `pb operator --store file` (OperatorCommand): 2 workers, 30 s resync, libvirt events
        FileStoreOperator op = new FileStoreOperator(driver, world.domains, new NodeFilter(NODE, true), workers, Duration.ofSeconds(30));
        long t0 = System.nanoTime();
        op.start();
        boolean done = store.allRunning.await(30, TimeUnit.MINUTES);
        double wallS = (System.nanoTime() - t0) / 1e9;
        long passes = op.reconciles();
        // what a change costs in all: the passes the writes and libvirt events of these passes bring, until none comes for 3 s
        long settled = passes;
        for (long quietSince = System.nanoTime(); System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(3); ) {
            Thread.sleep(100);
            long now = op.reconciles();
            if (now != settled) {
                settled = now;
                quietSince = System.nanoTime();
            }
        }
        long statusWritesToSettle = store.statusWrites.get();

        // steady state: a resync of all N Running VMs (each pass looks at libvirt and the store, no SSH login)
        long r0 = op.reconciles();
        long s0 = System.nanoTime();
        op.resync();
        long deadline = s0 + TimeUnit.MINUTES.toNanos(10);
        while (op.reconciles() < r0 + n && System.nanoTime() < deadline) Thread.sleep(5);
        double resyncS = (System.nanoTime() - s0) / 1e9;
        long resyncPasses = op.reconciles() - r0;
        op.close();

        long defined = world.domains.listOwned().stream().filter(d -> d.running()).count();
        long hwm = Bench.procStatusKiB("VmHWM");
        System.out.printf(Locale.ROOT,
                "store=%s n=%d workers=%d done=%s running=%d domains_running=%d create_s=%.2f wall_s=%.2f passes=%d passes_settled=%d "
                        + "passes_per_vm=%.2f status_writes_per_vm=%.2f "
                        + "passes_per_s=%.1f vms_per_s=%.1f resync_passes=%d resync_s=%.2f resync_per_s=%.1f status_writes=%d failed_passes=%d failures=%s rss_after_create_mib=%.0f vmhwm_mib=%.0f heap_max_mib=%d%n",
                kind, n, workers, done, store.running.size(), defined, createS, wallS, passes, settled, settled / (double) n,
                statusWritesToSettle / (double) n, passes / wallS, store.running.size() / wallS,
                resyncPasses, resyncS, resyncPasses / resyncS,
                store.statusWrites.get(), failures.total(), failures.summary(), rssAfterCreate / 1024.0, hwm / 1024.0, Runtime.getRuntime().maxMemory() >> 20);
        System.out.flush();
        store.close();
        // the test driver's domains live in this process only; the overlays and keys are under WORKDIR
        Runtime.getRuntime().halt(done ? 0 : 1);
    }

    /** A store that notes which VMs had a Running status written, and counts down when all have. */
    static final class RunningTracker implements VmStore {
        final VmStore d;
        final Set<String> running = ConcurrentHashMap.newKeySet();
        final CountDownLatch allRunning = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicLong statusWrites = new java.util.concurrent.atomic.AtomicLong();
        private final int n;

        RunningTracker(VmStore d, int n) {
            this.d = d;
            this.n = n;
        }

        @Override
        public BootcVm updateStatus(BootcVm vm) {
            BootcVm out = d.updateStatus(vm);
            statusWrites.incrementAndGet();
            String key = out.getMetadata().getNamespace() + "/" + out.getMetadata().getName();
            if (out.getStatus() != null && out.getStatus().getPhase() == Phase.Running) {
                running.add(key);
                if (running.size() >= n) allRunning.countDown();
            } else {
                running.remove(key);
            }
            return out;
        }

        @Override
        public String describe() {
            return d.describe();
        }

        @Override
        public Optional<BootcVm> get(String namespace, String name) {
            return d.get(namespace, name);
        }

        @Override
        public List<BootcVm> list(String namespace) {
            return d.list(namespace);
        }

        @Override
        public BootcVm create(BootcVm vm) {
            return d.create(vm);
        }

        @Override
        public BootcVm update(BootcVm vm) {
            return d.update(vm);
        }

        @Override
        public boolean delete(String namespace, String name) {
            return d.delete(namespace, name);
        }

        @Override
        public Watch watch(String namespace, Consumer<WatchEvent> listener) {
            return d.watch(namespace, listener);
        }

        @Override
        public void close() {
            d.close();
        }
    }
}
