package dev.bootc.pb.service;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.disk.BaseDisk;
import dev.bootc.pb.libvirt.DomainInfo;
import dev.bootc.pb.libvirt.PbMetadata;
import dev.bootc.pb.reconcile.LiveWorld;
import dev.bootc.pb.ssh.SshConnector;
import dev.bootc.pb.store.StoreKind;
import dev.bootc.pb.store.VmStore;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Every pb verb: what to write into the store and, for the file store, reconciling in this process
 * until the VM settles; for a cluster, waiting for the operator through a watch. The CLI calls only this.
 */
public class VmService {
    private static final int CONFLICT_RETRIES = 20;
    private static final Duration UP_TIMEOUT = Engine.durationEnv("PB_RUN_TIMEOUT", Duration.ofMinutes(20));
    private static final Duration DOWN_TIMEOUT = Duration.ofMinutes(3);
    private static final Set<String> IMAGE_FAILURES = Set.of("ImageNotFound", "NotBootcImage", "PodmanMissing", "PullFailed", "InvalidPullPolicy", "RegistryUnreachable");
    protected final PbContext ctx;

    public VmService(PbContext ctx) {
        this.ctx = ctx;
    }

    public VmStore store() {
        return ctx.store();
    }

    public String namespace() {
        return ctx.namespace();
    }

    private boolean inProcess() {
        return ctx.storeKind() == StoreKind.file;
    }

    private LiveWorld world() {
        return ctx.engine().world();
    }

    /** The VM of that name, or a not-found error that says how to list them. */
    public BootcVm require(String name) {
        return store().get(namespace(), name).orElseThrow(() -> new PbException.NotFound("VmNotFound",
                "VM " + name + " not found in namespace " + namespace() + " of the " + store().describe() + ": see pb list"));
    }

    public Optional<BootcVm> find(String name) {
        return store().get(namespace(), name);
    }

    public List<BootcVm> list() {
        return store().list(namespace());
    }

    // ---- run ----

    /** The outcome of {@link #declareRun}: the resource and whether it was made now. */
    public record RunDecision(BootcVm vm, boolean created, BootcVm replaced) {
    }

    /**
     * Decides what pb run writes: a new resource, or the existing one of that name; the same image
     * is reused (and asked to run), another image is a conflict unless replace.
     */
    public RunDecision declareRun(String name, BootcVmSpec spec, boolean replace) {
        String vmName = name != null ? name : VmNames.fromImage(spec.getImage());
        Validation.nameProblem("name", vmName).ifPresent(p -> {
            throw new PbException.Invalid("InvalidName", "--name: invalid value \"" + vmName + "\": " + p.expected());
        });
        if (spec.getNodeName() == null) spec.setNodeName(localNodeName());
        BootcVm desired = new BootcVm(namespace(), vmName, spec);
        Validation.check(desired);
        Optional<BootcVm> existing = store().get(namespace(), vmName);
        BootcVm replaced = null;
        if (existing.isPresent()) {
            BootcVm old = existing.get();
            if (old.getMetadata().getDeletionTimestamp() == null && spec.getImage().equals(old.getSpec().getImage()) && !replace) {
                BootcVm running = old.getSpec().getRunStrategy() == RunStrategy.Halted
                        ? mutate(vmName, v -> { v.getSpec().setRunStrategy(RunStrategy.Always); return v; }) : old;
                return new RunDecision(running, false, null);
            }
            if (!replace) {
                throw new PbException.Conflict("NameTaken", "VM " + vmName + " already exists with image " + old.getSpec().getImage()
                        + ": use --replace to replace it, or --name to choose another name");
            }
            replaced = old;
        }
        return new RunDecision(desired, true, replaced);
    }

    /**
     * pb run: declares the VM, brings it up, then connects (or runs CMD, or returns with -B).
     * Returns the exit code.
     */
    public int run(RunOptions o, PrintWriter out, PrintWriter err, Consumer<String> progress) {
        RunDecision d = declareRun(o.name(), o.spec(), o.replace());
        String name = d.vm().getMetadata().getName();
        if (d.created() && inProcess()) world().checkGuestPathsIfLocal(d.vm().getSpec().getImage(), d.vm().getSpec().volumesOrEmpty());
        if (d.replaced() != null) remove(name, true, progress);
        if (d.created()) {
            BootcVm vm = d.vm();
            if (inProcess()) vm.getMetadata().setFinalizers(new ArrayList<>(List.of(BootcVm.FINALIZER)));
            store().create(vm);
        }
        Timer timer = new Timer(progress);
        BootcVm ready;
        try {
            ready = awaitUp(name, o.pull(), timer);
        } catch (PbException e) {
            // A VM this run just declared, whose image cannot be had, leaves nothing behind.
            if (d.created() && (IMAGE_FAILURES.contains(e.reason()) || e.exitCode() == ExitCodes.INVALID)) {
                try {
                    remove(name, true, s -> { });
                } catch (PbException cleanup) {
                    org.jboss.logging.Logger.getLogger(VmService.class).warnf("Could not remove VM %s: %s", name, cleanup.getMessage());
                }
            }
            throw e;
        }
        if (o.background()) {
            out.println("VM " + name + " is running. Connect with: pb ssh " + name);
            return ExitCodes.OK;
        }
        boolean withCommand = o.command() != null && !o.command().isEmpty();
        String connecting = "Connecting to vm " + name + ". To close connection, use `~.` or `exit`.";
        if (withCommand) {
            progress.accept(connecting);
        } else {
            out.println(connecting);
        }
        out.flush();
        int status = connect(ready, null, o.command());
        if (withCommand || o.removeAfter()) {
            remove(name, true, progress);
        }
        return status;
    }

    /** Brings the VM up and waits until it is Ready; a failure that cannot heal is thrown. */
    private BootcVm awaitUp(String name, String pull, Timer timer) {
        Predicate<Optional<BootcVm>> up = v -> v.isPresent() && v.get().getStatus() != null
                && v.get().getStatus().isTrue(Conditions.READY) && v.get().getStatus().getObservedGeneration() != null
                && v.get().getStatus().getObservedGeneration().equals(v.get().getMetadata().getGeneration());
        if (inProcess()) {
            return ctx.engine().driver().reconcileUntil(namespace(), name, up, UP_TIMEOUT, pull, timer::phase).orElseThrow();
        }
        return awaitStore(name, up.or(failed()), UP_TIMEOUT, timer).filter(v -> !failed().test(Optional.of(v)))
                .orElseThrow(() -> failure(name));
    }

    private static Predicate<Optional<BootcVm>> failed() {
        return v -> v.isPresent() && v.get().getStatus() != null && v.get().getStatus().getPhase() == Phase.Failed;
    }

    private PbException failure(String name) {
        String msg = find(name).map(v -> v.getStatus() == null ? null : v.getStatus().getMessage()).orElse("removed");
        return new PbException.Failed("Failed", "VM " + name + " failed: " + msg);
    }

    /** Waits for the operator: a watch wakes us, a poll every second covers a dropped watch. */
    private Optional<BootcVm> awaitStore(String name, Predicate<Optional<BootcVm>> done, Duration timeout, Timer timer) {
        BlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastPhase = null;
        try (VmStore.Watch w = store().watch(namespace(), e -> {
            if (e.resource().getMetadata().getName().equals(name)) wake.offer(true);
        })) {
            while (true) {
                Optional<BootcVm> vm = find(name);
                String phase = vm.map(v -> v.getStatus() == null || v.getStatus().getPhase() == null ? "Pending" : v.getStatus().getPhase().name()).orElse("gone");
                if (!phase.equals(lastPhase)) {
                    timer.phase(phase);
                    lastPhase = phase;
                }
                if (done.test(vm)) return vm;
                if (System.nanoTime() > deadline) {
                    throw new PbException.Failed("Timeout", "VM " + name + " did not settle within " + timeout.toSeconds() + " s (phase " + phase + "): is pb operator running on node " + localNodeName() + "?");
                }
                wake.poll(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PbException.Failed("Interrupted", "Interrupted while waiting for VM " + name);
        }
    }

    // ---- ssh ----

    /** pb ssh: connects to a VM; returns the remote status, or 255 when SSH fails. */
    public int ssh(String name, String user, List<String> command) {
        return connect(require(name), user, command);
    }

    private int connect(BootcVm vm, String user, List<String> command) {
        String name = vm.getMetadata().getName();
        Optional<DomainInfo> domain = world().hypervisor().find(world().domainName(vm));
        if (domain.isEmpty() || !domain.get().running()) {
            throw new PbException.Failed("VmNotRunning", "VM " + name + " is not running: pb start " + name);
        }
        Integer port = domain.get().pbMetadata().map(PbMetadata::sshPort).orElse(vm.getStatus() == null ? null : vm.getStatus().getSshPort());
        if (port == null) throw new PbException.Failed("NoSsh", "VM " + name + " has no SSH port (network: none?)");
        String login = user != null ? user : Defaults.apply(Json.copy(vm, BootcVm.class)).getSpec().getSsh().getUser();
        SshConnector.Target target = SshConnector.Target.forVm(world().vmDir(vm), port, login);
        return new SshConnector().run(target, command == null ? List.of() : command);
    }

    // ---- stop / start / rm ----

    /** Names of every VM in the namespace. */
    public List<String> allNames() {
        return rows().stream().map(VmRow::name).distinct().toList();
    }

    /** pb stop: runStrategy Halted, then (file store) a graceful shutdown here. */
    public BootcVm stop(String name, Consumer<String> progress) {
        setRunStrategy(name, RunStrategy.Halted);
        Timer timer = new Timer(progress);
        Predicate<Optional<BootcVm>> stopped = v -> v.isPresent() && v.get().getStatus() != null && v.get().getStatus().getPhase() == Phase.Stopped;
        if (inProcess()) {
            return ctx.engine().driver().reconcileUntil(namespace(), name, stopped, DOWN_TIMEOUT, "missing", timer::phase).orElseThrow();
        }
        return awaitStore(name, stopped, DOWN_TIMEOUT, timer).orElseThrow();
    }

    /** pb start: runStrategy Always, then boots on the same disk and waits for SSH. */
    public BootcVm start(String name, Consumer<String> progress) {
        setRunStrategy(name, RunStrategy.Always);
        return awaitUp(name, "missing", new Timer(progress));
    }

    /** pb rm: removes a VM, its overlay disk and key; a running one only with force. */
    public void remove(String name, boolean force, Consumer<String> progress) {
        Optional<BootcVm> found = find(name);
        if (found.isEmpty()) {
            Optional<DomainInfo> orphan = orphanDomain(name);
            if (orphan.isEmpty()) {
                throw new PbException.NotFound("VmNotFound", "VM " + name + " not found in namespace " + namespace() + ": see pb list");
            }
            if (!force && orphan.get().running()) {
                throw new PbException.Conflict("VmRunning", "Orphaned VM " + name + " is running: use pb rm -f " + name);
            }
            world().cleanupOrphan(orphan.get());
            return;
        }
        BootcVm vm = found.get();
        if (!force && isRunning(vm)) {
            throw new PbException.Conflict("VmRunning", "VM " + name + " is running: stop it first (pb stop " + name + "), or use pb rm -f " + name);
        }
        store().delete(namespace(), name);
        Predicate<Optional<BootcVm>> gone = Optional::isEmpty;
        Timer timer = new Timer(progress);
        if (inProcess()) {
            ctx.engine().driver().reconcileUntil(namespace(), name, gone, DOWN_TIMEOUT, "missing", timer::phase);
        } else {
            awaitStore(name, gone, DOWN_TIMEOUT, timer);
        }
    }

    /** Whether the VM's domain runs now, as libvirt says. */
    public boolean isRunning(BootcVm vm) {
        try {
            return world().hypervisor().find(world().domainName(vm)).map(DomainInfo::running).orElse(false);
        } catch (PbException e) {
            if (vm.getSpec().getNodeName() != null && !vm.getSpec().getNodeName().equals(localNodeName())) return false;
            throw e;
        }
    }

    /** Sets spec.runStrategy; a no-op when it already has that value. */
    public BootcVm setRunStrategy(String name, RunStrategy strategy) {
        return mutate(name, v -> {
            if (v.getSpec().getRunStrategy() == strategy) return null;
            v.getSpec().setRunStrategy(strategy);
            return v;
        });
    }

    /** Reads, changes and writes a resource, reading again when another writer got there first. */
    public BootcVm mutate(String name, UnaryOperator<BootcVm> change) {
        for (int i = 0; ; i++) {
            BootcVm current = require(name);
            BootcVm next = change.apply(Json.copy(current, BootcVm.class));
            if (next == null) return current;
            try {
                return store().update(next);
            } catch (PbException.Conflict e) {
                if (i >= CONFLICT_RETRIES) throw e;
            }
        }
    }

    // ---- apply ----

    /** Outcome of applying one document. */
    public record Applied(BootcVm vm, String action) {
    }

    /** Creates or updates every document; all are validated before the first write. */
    public List<Applied> apply(List<BootcVm> docs) {
        for (BootcVm d : docs) {
            if (d.getMetadata().getNamespace() == null) d.getMetadata().setNamespace(namespace());
            Validation.check(d);
        }
        List<Applied> out = new ArrayList<>();
        for (BootcVm d : docs) {
            String ns = d.getMetadata().getNamespace();
            String name = d.getMetadata().getName();
            if (d.getSpec().getNodeName() == null) d.getSpec().setNodeName(localNodeName());
            for (int i = 0; ; i++) {
                Optional<BootcVm> existing = store().get(ns, name);
                try {
                    if (existing.isEmpty()) {
                        BootcVm c = Json.copy(d, BootcVm.class);
                        c.setStatus(null);
                        out.add(new Applied(store().create(c), "created"));
                    } else {
                        BootcVm next = Json.copy(existing.get(), BootcVm.class);
                        next.setSpec(d.getSpec());
                        if (d.getMetadata().getLabels() != null) next.getMetadata().setLabels(d.getMetadata().getLabels());
                        if (d.getMetadata().getAnnotations() != null) next.getMetadata().setAnnotations(d.getMetadata().getAnnotations());
                        BootcVm after = store().update(next);
                        boolean changed = !after.getMetadata().getResourceVersion().equals(existing.get().getMetadata().getResourceVersion());
                        out.add(new Applied(after, changed ? "configured" : "unchanged"));
                    }
                    break;
                } catch (PbException.Conflict e) {
                    if (i >= CONFLICT_RETRIES) throw e;
                }
            }
        }
        return out;
    }

    /** pb apply --wait: each resource until it is Ready, Stopped or Failed. */
    public void awaitSettled(List<BootcVm> docs, Consumer<String> progress) {
        Predicate<Optional<BootcVm>> settled = v -> v.isEmpty() || (v.get().getStatus() != null
                && v.get().getStatus().getObservedGeneration() != null
                && v.get().getStatus().getObservedGeneration().equals(v.get().getMetadata().getGeneration())
                && (v.get().getStatus().isTrue(Conditions.READY) || v.get().getStatus().getPhase() == Phase.Stopped));
        for (BootcVm d : docs) {
            String name = d.getMetadata().getName();
            Timer timer = new Timer(s -> progress.accept(name + ": " + s));
            if (inProcess()) {
                ctx.engine().driver().reconcileUntil(d.getMetadata().getNamespace(), name, settled, UP_TIMEOUT, "missing", timer::phase);
            } else {
                awaitStore(name, settled.or(failed()), UP_TIMEOUT, timer);
            }
        }
    }

    // ---- list / inspect ----

    /** The rows of pb list: each resource with what libvirt shows now, then orphaned domains. */
    public List<VmRow> rows() {
        Map<String, DomainInfo> domains = new LinkedHashMap<>();
        boolean libvirtOk = true;
        try {
            for (DomainInfo d : world().hypervisor().listOwnedDomains()) domains.put(d.name(), d);
        } catch (PbException e) {
            libvirtOk = false;
            org.jboss.logging.Logger.getLogger(VmService.class).warnf("libvirt at %s cannot be reached (%s): RUNNING shows false", ctx.libvirtUri(), e.getMessage());
        }
        List<VmRow> rows = new ArrayList<>();
        for (BootcVm vm : list()) {
            BootcVm eff = Defaults.apply(Json.copy(vm, BootcVm.class));
            DomainInfo d = domains.remove(LiveWorld.domainNameOf(vm.getMetadata().getNamespace(), vm.getMetadata().getName()));
            var st = vm.getStatus();
            Integer port = d != null ? d.pbMetadata().map(PbMetadata::sshPort).orElse(null) : null;
            rows.add(new VmRow(vm.getMetadata().getName(), vm.getMetadata().getNamespace(), vm.getSpec().getImage(),
                    eff.getSpec().getDisk().getSize(), vm.getMetadata().getCreationTimestamp(), d != null && d.running(),
                    d == null ? (libvirtOk ? "undefined" : "unknown") : d.state().name().toLowerCase(),
                    port, st == null || st.getPhase() == null ? null : st.getPhase().name(),
                    st != null && st.isTrue(Conditions.READY) ? "True" : "False", false));
        }
        for (DomainInfo d : domains.values()) {
            PbMetadata m = d.pbMetadata().orElse(null);
            if (m == null || !namespace().equals(m.ownerNamespace())) continue;
            rows.add(new VmRow(m.ownerName(), m.ownerNamespace(), m.image(), "-", m.created() == null ? null : m.created().toString(),
                    d.running(), d.state().name().toLowerCase(), m.sshPort(), null, "False", true));
        }
        return rows;
    }

    private Optional<DomainInfo> orphanDomain(String name) {
        try {
            return world().hypervisor().find(LiveWorld.domainNameOf(namespace(), name)).filter(DomainInfo::owned);
        } catch (PbException e) {
            return Optional.empty();
        }
    }

    /** The resource with what libvirt and the disks show now, for pb inspect. */
    public Object inspect(String name) {
        BootcVm vm = require(name);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", name);
        view.put("namespace", namespace());
        Map<String, Object> runtime = new LinkedHashMap<>();
        LiveWorld w = world();
        try {
            Optional<DomainInfo> d = w.hypervisor().find(w.domainName(vm));
            runtime.put("libvirtUri", ctx.libvirtUri());
            runtime.put("accel", w.hypervisor().accel().name().toLowerCase());
            runtime.put("domain", w.domainName(vm));
            runtime.put("defined", d.isPresent());
            runtime.put("running", d.map(DomainInfo::running).orElse(false));
            runtime.put("state", d.map(x -> x.state().name().toLowerCase()).orElse("undefined"));
            d.ifPresent(x -> runtime.put("uuid", x.uuid()));
            d.flatMap(DomainInfo::pbMetadata).ifPresent(m -> {
                runtime.put("sshPort", m.sshPort());
                runtime.put("sshUser", m.sshUser());
                runtime.put("imageDigest", m.digest());
            });
        } catch (PbException e) {
            runtime.put("error", e.getMessage());
        }
        Path overlay = w.overlayPath(vm);
        runtime.put("disk", Files.exists(overlay) ? overlay.toString() : null);
        runtime.put("sshKey", dev.bootc.pb.ssh.SshKeyPair.privateKeyIn(w.vmDir(vm)).toString());
        runtime.put("serialLog", w.vmDir(vm).resolve("serial.log").toString());
        view.put("runtime", runtime);
        view.put("spec", vm.getSpec());
        view.put("status", vm.getStatus());
        view.put("metadata", vm.getMetadata());
        return view;
    }

    // ---- images ----

    /** Rows of pb images: bootable images (label containers.bootc=1) in local podman storage. */
    public List<List<String>> imageRows() {
        var result = dev.bootc.pb.disk.ProcessRunner.local().run(dev.bootc.pb.disk.Command.of("podman", "images",
                "--filter", "label=containers.bootc=1", "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.Created}}"))
                .orThrow("PodmanFailed", "podman images");
        List<List<String>> rows = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (!line.isBlank()) rows.add(List.of(line.split("\t", -1)));
        }
        return rows;
    }

    // ---- cache ----

    /** Rows of pb cache list: key, image, digest, size, VMs using it. */
    public List<List<String>> cacheRows() {
        Map<Path, List<String>> users = baseDiskUsers();
        List<List<String>> rows = new ArrayList<>();
        for (BaseDisk b : world().cache().list()) {
            List<String> u = users.getOrDefault(b.path(), List.of());
            rows.add(List.of(b.key(), b.image() == null ? "-" : b.image(), b.digest() == null ? "-" : abbreviateDigest(b.digest()),
                    humanBytes(b.sizeOnDiskBytes()), u.isEmpty() ? "-" : String.join(",", u)));
        }
        return rows;
    }

    /** Removes base disks no VM uses; returns their keys. */
    public List<String> cachePrune() {
        Set<Path> inUse = new HashSet<>(baseDiskUsers().keySet());
        return world().cache().prune(inUse).stream().map(BaseDisk::key).toList();
    }

    /** Base disk → the VMs whose overlay it backs (every overlay of the disk folder counts, any namespace). */
    private Map<Path, List<String>> baseDiskUsers() {
        Map<Path, List<String>> users = new LinkedHashMap<>();
        Path vms = ctx.paths().vmDisks();
        if (!Files.isDirectory(vms)) return users;
        var overlays = new dev.bootc.pb.disk.Overlays(dev.bootc.pb.disk.ProcessRunner.local());
        try (var s = Files.list(vms)) {
            for (Path p : s.filter(x -> x.toString().endsWith(".qcow2")).toList()) {
                overlays.backingFile(p).ifPresent(b -> users.computeIfAbsent(b.toAbsolutePath().normalize(), k -> new ArrayList<>())
                        .add(p.getFileName().toString().replace(".qcow2", "").replace('_', '/')));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return users;
    }

    static String humanBytes(long b) {
        if (b < 1024) return b + "B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        do {
            v /= 1024;
            i++;
        } while (v >= 1024 && i < units.length - 1);
        return String.format(java.util.Locale.ROOT, "%.1f%s", v, units[i]);
    }

    private static String abbreviateDigest(String d) {
        return d.length() > 19 ? d.substring(0, 19) : d;
    }

    // ---- helpers ----

    /** This host's node name: env NODE_NAME, else the host name. */
    public static String localNodeName() {
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) return env;
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? "localhost" : h.toLowerCase();
        } catch (Exception e) {
            String h = System.getenv("HOSTNAME");
            return h == null ? "localhost" : h.toLowerCase();
        }
    }

    /** Progress lines with the time since the command started: "[  12.3s] Building disk". */
    static final class Timer {
        private final Consumer<String> sink;
        private final long start = System.nanoTime();
        private String last;

        Timer(Consumer<String> sink) {
            this.sink = sink;
        }

        void phase(String line) {
            if (line.equals(last)) return;
            last = line;
            double s = (System.nanoTime() - start) / 1e9;
            sink.accept(String.format(java.util.Locale.ROOT, "[%6.1fs] %s", s, line));
        }
    }
}
