package dev.bootc.pb.boot;

import dev.bootc.pb.disk.BaseDiskBuilder;
import dev.bootc.pb.disk.LocalDisks;
import dev.bootc.pb.disk.PodmanImages;
import dev.bootc.pb.disk.VmInstaller;
import dev.bootc.pb.driver.Convergence;
import dev.bootc.pb.driver.DriverSupport;
import dev.bootc.pb.driver.FileStoreOperator;
import dev.bootc.pb.driver.InProcessConvergence;
import dev.bootc.pb.driver.NodeFilter;
import dev.bootc.pb.driver.WatchConvergence;
import dev.bootc.pb.driver.kube.ControllerWiring;
import dev.bootc.pb.host.AccelDetection;
import dev.bootc.pb.host.HostDoctor;
import dev.bootc.pb.host.Virtiofsd;
import dev.bootc.pb.libvirt.LibvirtDomains;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.HostSetup;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.reconcile.InPlaceUpdate;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.verbs.Updates;
import dev.bootc.pb.ssh.GuestSsh;
import dev.bootc.pb.store.EventLog;
import dev.bootc.pb.store.VmStore;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.verbs.ApplyVerb;
import dev.bootc.pb.verbs.CacheVerbs;
import dev.bootc.pb.verbs.ExportVerb;
import dev.bootc.pb.verbs.Lifecycle;
import dev.bootc.pb.verbs.Vms;
import dev.bootc.pb.verbs.RunVerb;
import dev.bootc.pb.verbs.SerialConsoles;
import dev.bootc.pb.verbs.Sessions;
import dev.bootc.pb.verbs.Views;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The composition root: the one place that knows the concrete classes. It builds, from a
 * {@link Config} read once, every port adapter, the reconcile core, the drivers and the verbs, each on
 * first use, so a verb loads only what it needs (a file-store verb never loads the Kubernetes client).
 * Tests build one with their own {@link Parts} (fakes at the I/O edge).
 */
public final class Root implements AutoCloseable {
    private final Config config;
    private final Parts parts;
    private VmStore store;
    private EventLog events;
    private VmReconciler core;
    private DriverSupport support;

    /** The outside world's adapters, each made on first use. */
    public record Parts(Supplier<Images> images, Supplier<Disks> disks, Supplier<Domains> domains, Supplier<Ssh> ssh,
                        Supplier<VmStore> store, Supplier<EventLog> events) {
    }

    /** Whether libvirt's client library is installed (a fresh host before pb doctor --fix has none). */
    public static boolean libvirtLibraryPresent() {
        return dev.bootc.pb.libvirt.LibvirtDomains.libraryPresent();
    }

    public Root(Config config) {
        this(config, (Parts) null);
    }

    public Root(Config config, Parts parts) {
        this.config = config;
        this.parts = parts != null ? parts : realParts(config, null, null);
    }

    public Config config() {
        return config;
    }

    public VmLayout layout() {
        return layout(config);
    }

    /** The configured store's layout: the file store's VMs where they always were, the Kubernetes store's apart (see VmLayout). */
    static VmLayout layout(Config c) {
        return VmLayout.of(c.store() == StoreKind.kube ? VmLayout.KUBE : VmLayout.FILE, c.dataRoot(), c.imagesRoot());
    }

    /** The real adapters; the store and its events as given, else as the configuration says. */
    static Parts realParts(Config c, Supplier<VmStore> store, Supplier<EventLog> events) {
        VmLayout layout = layout(c);
        ProcessRunner runner = ProcessRunner.local();
        Supplier<Images> images = memo(() -> new PodmanImages(runner, c.root(), layout.baseDisks().resolve("install-config")));
        // what the installer VM and the domains both need of this host, found once
        Supplier<Accel> accel = memo(() -> c.accel().orElseGet(AccelDetection::detect));
        Supplier<Optional<Path>> virtiofsd = memo(Virtiofsd::find);
        Supplier<Disks> disks = memo(() -> new LocalDisks(runner, layout.baseDisks(), layout.vmDisks(),
                BaseDiskBuilder.of(runner, c.diskBuilder(), new VmInstaller.Host(accel.get(), HostArch.current(), virtiofsd.get(), c.root()),
                        c.policy()::trustsImage)));
        Supplier<Domains> domains = memo(() -> new LibvirtDomains(c.libvirtUri(), accel.get(), HostArch.current(), virtiofsd.get()));
        Supplier<Ssh> ssh = memo(() -> new GuestSsh(layout.ports()));
        if (c.store() == StoreKind.kube && store == null) return KubeStores.verbParts(c, images, disks, domains, ssh);
        Supplier<VmStore> st = store != null ? store : () -> new FileVmStore(c.storeDir());
        Supplier<EventLog> ev = events != null ? events : () -> new FileEventLog(layout.events());
        return new Parts(images, disks, domains, ssh, st, ev);
    }

    static <T> Supplier<T> memo(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = make.get();
                return value;
            }
        };
    }

    public synchronized VmStore store() {
        if (store == null) store = parts.store().get();
        return store;
    }

    public synchronized EventLog events() {
        if (events == null) events = parts.events().get();
        return events;
    }

    public Domains domains() {
        return parts.domains().get();
    }

    public synchronized VmReconciler core() {
        if (core == null) {
            core = new VmReconciler(parts.images().get(), parts.disks().get(), parts.domains().get(), parts.ssh().get(), layout(),
                    new VmReconciler.Timeouts(config.sshTimeout(), config.shutdownTimeout()), Clock.systemUTC(), config.policy(),
                    // asked of the store when a pass needs a Secret: making the core opens no store
                    (namespace, name) -> store().secrets().data(namespace, name));
        }
        return core;
    }

    /** The driver support: the store, the core, the events, the VM locks. */
    public synchronized DriverSupport support() {
        if (support == null) support = new DriverSupport(store(), core(), events(), layout().locks());
        return support;
    }

    private boolean inProcess() {
        return config.store() == StoreKind.file;
    }

    private Convergence convergence() {
        return inProcess() ? new InProcessConvergence(support()) : new WatchConvergence(store(), config.node());
    }

    public Vms vms() {
        return new Vms(store(), config.namespace());
    }

    private Lifecycle.Timeouts timeouts() {
        return new Lifecycle.Timeouts(config.runTimeout(), Duration.ofMinutes(3).plus(config.shutdownTimeout()));
    }

    // ---- verbs

    public Lifecycle lifecycle() {
        return new Lifecycle(vms(), convergence(), domains(), core(), config.node(), timeouts());
    }

    public Sessions sessions() {
        return new Sessions(vms(), domains(), parts.ssh().get(), layout());
    }

    public RunVerb run() {
        return new RunVerb(vms(), lifecycle(), sessions(), consoles(), config.node(), inProcess() ? support()::admit : vm -> { },
                () -> parts.images().get().storedImages());
    }

    /** pb upgrade, switch, rollback: in place, waiting for the reboot as long as a VM may take to answer SSH. */
    public Updates updates() {
        java.util.function.Supplier<InPlaceUpdate> update = () -> new InPlaceUpdate(parts.images().get(), domains(), parts.ssh().get(), layout(),
                config.sshTimeout(), Clock.systemUTC(), InPlaceUpdate.SLEEP);
        // another process reconciles the kube store's VMs: pb upgrade asks it, and waits as long as an update may take
        return inProcess() ? new Updates(vms(), update)
                : new Updates(vms(), update, convergence(), config.sshTimeout().multipliedBy(3).plusMinutes(30));
    }

    public SerialConsoles consoles() {
        return new SerialConsoles(vms(), domains(), layout());
    }

    public ApplyVerb apply() {
        return new ApplyVerb(vms(), convergence(), config.node(), timeouts(), () -> parts.images().get().storedImages());
    }

    public Views views() {
        return new Views(vms(), domains(), parts.disks().get(), parts.ssh().get(), layout(), events());
    }

    public ExportVerb export() {
        return new ExportVerb(vms(), domains(), parts.disks().get(), layout(), support());
    }

    public CacheVerbs cache() {
        return new CacheVerbs(parts.disks().get(), parts.images().get());
    }

    public HostSetup doctor() {
        return new HostDoctor(config.libvirtUri(), HostDoctor.Host.system(config.root()));
    }

    // ---- operators

    /** {@code pb operator --store file}: this node's VMs, and those with no node (one host, one operator). */
    public FileStoreOperator fileOperator(String node, int workers) {
        return new FileStoreOperator(support(), domains(), new NodeFilter(node, true), workers, Duration.ofSeconds(30));
    }

    /** Runs the file-store operator until the process is stopped; {@code started} runs once it watches. */
    public void runFileOperator(String node, int workers, Runnable started) throws InterruptedException {
        FileStoreOperator op = fileOperator(node, workers);
        Runtime.getRuntime().addShutdownHook(new Thread(op::close));
        op.start();
        started.run();
        op.awaitStop();
    }

    /** Hands the Kubernetes controller what it works with; a cluster's VMs need a node. */
    public void wire(ControllerWiring wiring, String node) {
        wiring.use(new ControllerWiring.Parts(support(), new NodeFilter(node, false), domains(), config.leaderElection()));
    }

    /** Labels and claims this cluster's BootcVms that have no node label (see NodeClaims). */
    public AutoCloseable claimUnassigned(io.fabric8.kubernetes.client.KubernetesClient client, String node) {
        return KubeStores.claims(client, domains(), node);
    }

    @Override
    public synchronized void close() {
        if (store != null) store.close();
        store = null;
        try {
            domains().close();
        } catch (RuntimeException e) {
            // closing anyway
        }
    }
}
