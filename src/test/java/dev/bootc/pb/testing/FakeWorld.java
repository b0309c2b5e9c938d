package dev.bootc.pb.testing;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.CloudInitSeed;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Test doubles of the four outside systems, at the I/O edge only: each remembers what it was told and
 * answers from what it holds, as a dumb machine would; every decision stays in the real core. Calls
 * are logged by name ("resolve", "build", "overlay", "rawcopy", "export", "define", "start", "shutdown", "probe",
 * "destroy", "undefine") in {@link #calls}.
 */
public final class FakeWorld {
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    public final FakeImages images = new FakeImages();
    public final FakeDisks disks = new FakeDisks();
    public final FakeDomains domains = new FakeDomains();
    public final FakeSsh ssh = new FakeSsh();

    public long count(String call) {
        synchronized (calls) {
            return calls.stream().filter(call::equals).count();
        }
    }

    /** podman: one image, or the failure a test sets. */
    public final class FakeImages implements Images {
        public volatile PbException failResolve;
        public volatile Set<String> topLevel = Set.of("usr", "etc", "var", "mnt", "opt");
        public volatile Optional<Filesystem> declared = Optional.empty();
        public volatile boolean local = true;
        /** The images' systemd (257: one that reads fstab.extra); empty: it cannot be told. */
        public volatile java.util.OptionalInt systemd = java.util.OptionalInt.of(257);
        public final java.util.concurrent.atomic.AtomicInteger systemdAsked = new java.util.concurrent.atomic.AtomicInteger();

        /** Lines the pull prints (as podman's progress), one every {@link #pullLineMillis}. */
        public volatile List<String> pullOutput = List.of();
        public volatile long pullLineMillis;

        /** The pull policy each reference was last resolved with. */
        public final Map<String, PullPolicy> policies = new ConcurrentHashMap<>();

        /** The digest each reference resolves to (default sha256:feed), as a test moves a tag. */
        public final Map<String, String> digests = new ConcurrentHashMap<>();

        public String digestOf(String reference) {
            return digests.getOrDefault(reference, "sha256:feed");
        }

        @Override
        public Image resolve(String reference, PullPolicy policy, Progress progress) {
            calls.add("resolve");
            policies.put(reference, policy);
            if (failResolve != null) throw failResolve;
            for (String line : pullOutput) {
                progress.output(line);
                sleep(pullLineMillis);
            }
            return new Image(reference, "abc123", digestOf(reference), 1 << 30);
        }

        @Override
        public Storage storage() {
            return new Storage(Path.of("/var/lib/containers/storage"), "overlay");
        }

        @Override
        public Optional<Image> local(String reference) {
            return local ? Optional.of(new Image(reference, "abc123", "sha256:feed", 1 << 30)) : Optional.empty();
        }

        @Override
        public Set<String> topLevelEntries(Image image) {
            return topLevel;
        }

        @Override
        public Optional<Filesystem> declaredRootFilesystem(Image image) {
            return declared;
        }

        @Override
        public java.util.OptionalInt systemdVersion(Image image) {
            systemdAsked.incrementAndGet();
            return systemd;
        }

        @Override
        public List<LocalImage> bootableImages() {
            return List.of(new LocalImage("localhost/pb-fixture", "latest", "abc123", "2 minutes ago", "400 MB"));
        }

        /** What podman images --all lists; a test adds images to give them by ID. */
        public final List<StoredImage> stored = new CopyOnWriteArrayList<>();

        @Override
        public List<StoredImage> storedImages() {
            calls.add("storedImages");
            return List.copyOf(stored);
        }
    }

    /** Disks: files are names in a set; a build takes {@link #buildMillis}. */
    public final class FakeDisks implements Disks {
        public final Set<Path> files = ConcurrentHashMap.newKeySet();
        public final Map<Path, Path> overlays = new ConcurrentHashMap<>();
        public volatile long buildMillis;
        /** Runs while the base disk is built (a test's clock moving through a long build). */
        public volatile Runnable duringBuild = () -> { };
        public volatile PbException failBuild;
        public volatile BaseDiskOptions lastOptions;
        /** Base disks as built: what {@link #baseDisks()} lists. */
        public final List<BaseDisk> built = new CopyOnWriteArrayList<>();

        @Override
        public BaseDisk ensureBase(Image image, BaseDiskOptions options, Integer systemdVersion, Progress progress) {
            calls.add("build");
            if (failBuild != null) throw failBuild;
            lastOptions = options;
            sleep(buildMillis);
            duringBuild.run();
            Path p = Path.of("/cache/k1.qcow2");
            files.add(p);
            BaseDisk disk = new BaseDisk("k1", p, image.reference(), image.digest(), image.id(), options, 20L << 30, 1 << 20, Instant.now(), true,
                    systemdVersion);
            built.removeIf(b -> b.path().equals(p));
            built.add(disk);
            return disk;
        }

        @Override
        public boolean exists(Path file) {
            return files.contains(file);
        }

        /** Host paths that are links: path to where it leads. */
        public final Map<Path, Path> links = new ConcurrentHashMap<>();

        @Override
        public Path realPath(Path path) {
            return links.getOrDefault(path, path);
        }

        @Override
        public void createOverlay(Path base, Path overlay, long virtualSizeBytes) {
            calls.add("overlay");
            if (files.contains(overlay)) throw Failure.DiskExists.with("disk " + overlay + " exists already");
            files.add(overlay);
            overlays.put(overlay, base);
        }

        /** Raw copies as made: disk to the base it copies. */
        public final Map<Path, Path> rawCopies = new ConcurrentHashMap<>();
        /** Exports as written: file to the disk it was made from (its format in {@link #exportFormats}). */
        public final Map<Path, Path> exports = new ConcurrentHashMap<>();
        public final Map<Path, dev.bootc.pb.port.ExportFormat> exportFormats = new ConcurrentHashMap<>();
        /** What an export fails with (qemu-img failing, say). */
        public volatile PbException failExport;
        /** Runs while an export copies (another command racing it, say). */
        public volatile Runnable duringExport = () -> { };

        @Override
        public void createRawCopy(Path base, Path disk, long virtualSizeBytes, Progress progress) {
            calls.add("rawcopy");
            if (files.contains(disk)) throw Failure.DiskExists.with("disk " + disk + " exists already");
            files.add(disk);
            rawCopies.put(disk, base);
        }

        @Override
        public void export(Path disk, Path file, dev.bootc.pb.port.ExportFormat format, boolean replace, Progress progress) {
            calls.add("export");
            if (!files.contains(disk)) throw Failure.DiskNotFound.with("disk " + disk + " does not exist");
            if (failExport != null) throw failExport;
            duringExport.run();
            exports.put(file, disk);
            exportFormats.put(file, format);
        }

        @Override
        public void delete(Path file) {
            files.remove(file);
            overlays.remove(file);
            rawCopies.remove(file);
        }

        @Override
        public void deleteFolder(Path folder) {
            files.removeIf(f -> f.startsWith(folder));
        }

        @Override
        public List<BaseDisk> baseDisks() {
            return List.copyOf(built);
        }

        @Override
        public List<BaseDisk> prune(Set<Path> inUse) {
            return List.of();
        }

        @Override
        public Map<Path, Path> overlays() {
            return new HashMap<>(overlays);
        }

        /** Seeds as written: path to the files they hold (the folder's as given, defaults added). */
        public final Map<Path, Map<String, String>> seeds = new ConcurrentHashMap<>();

        /** What reading or writing a seed fails with (a refused cloud-init folder, say). */
        public volatile PbException failSeed;

        @Override
        public String writeSeed(Path iso, CloudInitSeed seed) {
            Map<String, String> content = readSeed(seed);
            calls.add("seed");
            seeds.put(iso, content);
            files.add(iso);
            return Integer.toHexString(content.hashCode());
        }

        /** The folder is not read: it stands as {@code folder} in what the seed holds. */
        @Override
        public Map<String, String> readSeed(CloudInitSeed seed) {
            if (failSeed != null) throw failSeed;
            Map<String, String> content = new java.util.TreeMap<>(seed.inline());
            if (seed.folder() != null) content.put("folder", seed.folder().toString());
            seed.defaults().forEach(content::putIfAbsent);
            return content;
        }
    }

    /** libvirt: domains as they were defined, started and stopped. */
    public final class FakeDomains implements Domains {
        public final Map<String, Domain> domains = new ConcurrentHashMap<>();
        public final Map<String, DomainSpec> specs = new ConcurrentHashMap<>();
        public final List<Consumer<DomainEvent>> listeners = new CopyOnWriteArrayList<>();
        public volatile PbException failDefine;
        public volatile String serialLog = "";
        /** When the console last wrote to the serial log; null: there is no log. */
        public volatile java.time.Instant serialLogWritten;
        private int uuids;

        @Override
        public synchronized void define(DomainSpec spec) {
            calls.add("define");
            if (failDefine != null) throw failDefine;
            Domain old = domains.get(spec.name());
            String uuid = old != null ? old.uuid() : "uuid-" + (++uuids);
            domains.put(spec.name(), new Domain(spec.name(), uuid, old != null ? old.state() : Domain.State.SHUTOFF, spec.metadata()));
            specs.put(spec.name(), spec);
        }

        @Override
        public void start(String name) {
            calls.add("start");
            set(name, Domain.State.RUNNING);
            if (guest.poweredOff) guest.powerOn();
        }

        @Override
        public boolean shutdown(String name, Duration timeout) {
            calls.add("shutdown");
            set(name, Domain.State.SHUTOFF);
            return true;
        }

        @Override
        public void destroy(String name) {
            calls.add("destroy");
            if (domains.containsKey(name)) set(name, Domain.State.SHUTOFF);
            guest.poweredOff = true;
        }

        @Override
        public void undefine(String name) {
            calls.add("undefine");
            domains.remove(name);
            specs.remove(name);
        }

        /** Shares plugged into running domains now: "domain tag hostPath ro|rw". */
        public final Set<String> shares = ConcurrentHashMap.newKeySet();
        public volatile PbException failAttach;

        @Override
        public void attachShare(String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd) {
            calls.add("attachShare");
            if (failAttach != null) throw failAttach;
            shares.add(name + " " + folder.tag() + " " + folder.hostPath() + (folder.readOnly() ? " ro" : " rw"));
        }

        @Override
        public void detachShare(String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd) {
            calls.add("detachShare");
            shares.removeIf(x -> x.startsWith(name + " " + folder.tag() + " "));
        }

        /** What happens when a domain is stopped behind pb's back (virsh destroy, a guest poweroff). */
        public void stopBehindOurBack(String name) {
            set(name, Domain.State.SHUTOFF);
        }

        private synchronized void set(String name, Domain.State state) {
            Domain d = domains.get(name);
            if (d == null) throw Failure.DomainNotFound.with("no domain '" + name + "'");
            domains.put(name, new Domain(d.name(), d.uuid(), state, d.metadata()));
        }

        @Override
        public Optional<Domain> find(String name) {
            return Optional.ofNullable(domains.get(name));
        }

        /** The address each running domain's guest has on its bridge or libvirt network (none until set). */
        public final Map<String, String> addresses = new ConcurrentHashMap<>();
        /** Networks (by name) this host does not give, and why. */
        public final Map<String, String> networkProblems = new ConcurrentHashMap<>();

        @Override
        public Optional<String> guestAddress(String name, dev.bootc.pb.api.NetworkMode network) {
            calls.add("guestAddress");
            return find(name).filter(Domain::running).map(d -> addresses.get(name));
        }

        @Override
        public void releaseLeases(String name) {
            if (addresses.remove(name) != null) calls.add("releaseLeases");
        }

        @Override
        public Optional<String> networkProblem(dev.bootc.pb.api.NetworkMode network, String networkName) {
            return Optional.ofNullable(networkProblems.get(networkName));
        }

        @Override
        public List<Domain> listOwned() {
            return domains.values().stream().filter(Domain::owned).toList();
        }

        @Override
        public AutoCloseable subscribe(Consumer<DomainEvent> listener) {
            listeners.add(listener);
            return () -> listeners.remove(listener);
        }

        /** Why volumes cannot be shared on this fake host (a libvirt before 10.0 on qemu:///session), if they cannot. */
        public Optional<String> volumesRefused = Optional.empty();

        @Override
        public HostFacts facts() {
            return new HostFacts("fake:///", Accel.TCG, HostArch.X86_64, Optional.of(Path.of("/usr/libexec/virtiofsd")), volumesRefused);
        }

        @Override
        public Memory memory() {
            return new Memory(8L << 30, 16L << 30);
        }

        @Override
        public String serialLogTail(Path log, int maxBytes) {
            return serialLog;
        }

        @Override
        public Optional<java.time.Instant> serialLogWritten(Path log) {
            return Optional.ofNullable(serialLogWritten);
        }

        @Override
        public void resetSerialLog(Path log) {
        }

        /** Serial logs by path, as a test writes them with {@link #bootLog} and {@link #appendLog}. */
        public final Map<Path, String> serialLogs = new ConcurrentHashMap<>();
        private final Map<Path, Integer> serialFiles = new ConcurrentHashMap<>();

        /** A new boot: the log is a new file with this content. */
        public void bootLog(Path log, String text) {
            serialFiles.merge(log, 1, Integer::sum);
            serialLogs.put(log, text);
        }

        /** The console printed more. */
        public void appendLog(Path log, String text) {
            serialFiles.putIfAbsent(log, 1);
            serialLogs.merge(log, text, String::concat);
        }
        public final List<String> consoles = new CopyOnWriteArrayList<>();

        @Override
        public Optional<SerialChunk> readSerialLog(Path log, SerialPosition from, int maxBytes) {
            String text = serialLogs.get(log);
            if (text == null) return Optional.empty();
            byte[] all = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String key = "file-" + serialFiles.getOrDefault(log, 0);
            boolean restarted = from.fileKey() != null && (!from.fileKey().equals(key) || all.length < from.offset());
            int offset = restarted ? 0 : (int) Math.min(from.offset(), all.length);
            int n = Math.min(maxBytes, all.length - offset);
            return Optional.of(new SerialChunk(java.util.Arrays.copyOfRange(all, offset, offset + n), new SerialPosition(key, offset + n), restarted));
        }

        @Override
        public void attachConsole(String name) {
            calls.add("console");
            consoles.add(name);
        }

        @Override
        public void close() {
        }
    }

    /**
     * SSH: a key per folder, the probe answering as a test sets, and the host's port table as the real
     * registry keeps it (SSH ports from 40022 up; forwards; a port is one owner's): a dumb table, the
     * decisions about conflicts stay in the core.
     */
    public final class FakeSsh implements Ssh {
        public volatile boolean ready;
        /** Where each session went: host:port. */
        public final List<String> targets = new CopyOnWriteArrayList<>();
        /** Where each probe went: host:port. */
        public final List<String> probed = new CopyOnWriteArrayList<>();
        /** Owner to SSH port. */
        public final Map<String, Integer> ports = new ConcurrentHashMap<>();
        /** Every host port held, SSH and forwards, to its owner. */
        public final Map<HostPort, String> holders = new ConcurrentHashMap<>();
        private final Map<String, Set<HostPort>> forwards = new ConcurrentHashMap<>();

        @Override
        public SshKey ensureKey(Path vmDir, SshKeyType type, String comment) {
            return new SshKey(vmDir.resolve(type.privateKeyFile()), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake " + comment);
        }

        @Override
        public Optional<SshKey> existingKey(Path vmDir) {
            return Optional.of(ensureKey(vmDir, SshKeyType.ed25519, "pb"));
        }

        @Override
        public synchronized Reservation reservePorts(String owner, Integer current, List<HostPort> wanted) {
            Set<HostPort> want = new java.util.LinkedHashSet<>(wanted);
            for (HostPort f : want) {
                String h = holders.get(f);
                if (h != null && !h.equals(owner)) return Reservation.refused(holderOf(f, h));
            }
            Integer held = ports.get(owner);
            int ssh;
            if (current != null) {
                String h = holders.get(HostPort.tcp(current));
                if (h != null && !h.equals(owner)) return Reservation.refused(holderOf(HostPort.tcp(current), h));
                ssh = current;
            } else if (held != null && !want.contains(HostPort.tcp(held))) {
                ssh = held;
            } else {
                ssh = 40022;
                while (holders.containsKey(HostPort.tcp(ssh)) || want.contains(HostPort.tcp(ssh))) ssh++;
            }
            if (want.contains(HostPort.tcp(ssh))) return Reservation.refused(new PortHolder(HostPort.tcp(ssh), owner, true));
            if (held != null && held != ssh) holders.remove(HostPort.tcp(held), owner);
            for (HostPort old : forwards.getOrDefault(owner, Set.of())) {
                if (!want.contains(old) && !old.equals(HostPort.tcp(ssh))) holders.remove(old, owner);
            }
            holders.put(HostPort.tcp(ssh), owner);
            ports.put(owner, ssh);
            for (HostPort f : want) holders.put(f, owner);
            forwards.put(owner, want);
            return new Reservation(ssh, null);
        }

        private PortHolder holderOf(HostPort port, String owner) {
            return new PortHolder(port, owner, port.protocol() == dev.bootc.pb.api.Protocol.tcp && Integer.valueOf(port.port()).equals(ports.get(owner)));
        }

        @Override
        public synchronized Optional<PortHolder> portHolder(HostPort port) {
            return Optional.ofNullable(holders.get(port)).map(o -> holderOf(port, o));
        }

        @Override
        public synchronized void releasePorts(String owner, Integer sshPort) {
            if (sshPort != null) holders.remove(HostPort.tcp(sshPort), owner);
            Integer held = ports.remove(owner);
            if (held != null) holders.remove(HostPort.tcp(held), owner);
            for (HostPort f : forwards.getOrDefault(owner, Set.of())) holders.remove(f, owner);
            forwards.remove(owner);
        }

        @Override
        public Probe probe(String host, int port, String user, Path privateKey) {
            calls.add("probe");
            probed.add(host + ":" + port);
            return ready ? new Probe(true, "ok") : new Probe(false, "connection refused");
        }

        /** Sessions opened: "owner command..." (the owner of the port it went to). */
        public final List<String> sessions = new CopyOnWriteArrayList<>();

        /** Scripts run in guests, with the user and port they went to; and what they give. */
        public final List<String> scripts = new CopyOnWriteArrayList<>();
        public final List<Target> scriptTargets = new CopyOnWriteArrayList<>();
        public volatile ScriptRun scriptResult = new ScriptRun(0, "pb: mounted");

        @Override
        public ScriptRun runScript(Target target, String script, Duration timeout) {
            calls.add("script");
            scripts.add(script);
            scriptTargets.add(target);
            return scriptResult;
        }

        @Override
        public Exec exec(Target target, String commandLine, Duration timeout) {
            if (!ready) return new Exec(255, "", "ssh: connect to host 127.0.0.1 port " + target.port() + ": Connection refused");
            return guest.exec(commandLine);
        }

        @Override
        public int connect(Target target, List<String> command) {
            calls.add("connect");
            targets.add(target.host() + ":" + target.port());
            String owner = ports.entrySet().stream().filter(e -> e.getValue() == target.port()).map(Map.Entry::getKey).findFirst().orElse("?");
            sessions.add((owner + " " + String.join(" ", command)).strip());
            return 0;
        }
    }

    /**
     * A guest that answers pb's commands as a bootc host would, from a dumb table of deployments: {@code bootc status
     * --json} prints them; the stage script stages the digest {@link #available} names for the reference (what the host's
     * storage holds); {@code bootc rollback} queues the rollback; {@code systemctl reboot} boots the staged (or queued)
     * deployment with a new boot id. Each command line is logged in {@link #commands}.
     */
    public final class FakeGuest {
        public volatile dev.bootc.pb.api.GuestImage booted = new dev.bootc.pb.api.GuestImage("localhost/os:latest", "registry", "sha256:feed", "v1");
        public volatile dev.bootc.pb.api.GuestImage staged;
        public volatile dev.bootc.pb.api.GuestImage rollback;
        public volatile boolean rollbackQueued;
        public volatile int bootId = 1;
        /** When false the guest has no bootc (the plain fixture): bootc status fails. */
        public volatile boolean bootc = true;
        /** When false a reboot never comes back (the boot id stays, SSH fails). */
        public volatile boolean comesBack = true;
        /** When set the stage fails with this message on stderr. */
        public volatile String failStage;
        /** When set, each boot writes a kernel banner and a getty's login prompt to this serial log, as the fixture's do. */
        public volatile Path console;
        /** Digests whose boots never answer SSH (sshd masked: the e2e's v3). */
        public final Set<String> silent = ConcurrentHashMap.newKeySet();
        /** Digests whose health check fails. */
        public final Set<String> unhealthy = ConcurrentHashMap.newKeySet();
        /** Whether the guest has grub2-editenv (its GRUB counts boots as Fedora's does). */
        public volatile boolean editenv = true;
        /** GRUB's environment: boot_counter (null: unset) and boot_success. */
        public volatile Integer bootCounter;
        public volatile boolean bootSuccess = true;
        volatile boolean poweredOff;
        public final List<String> commands = new CopyOnWriteArrayList<>();

        Ssh.Exec exec(String line) {
            commands.add(line);
            if (down) return new Ssh.Exec(255, "", "ssh: connect to host 127.0.0.1: Connection refused");
            if (line.startsWith("cat /proc/sys/kernel/random/boot_id")) {
                String id = "boot-" + bootId + "\n";
                if (!line.contains("bootc status")) return new Ssh.Exec(0, id, "");
                if (!bootc) return new Ssh.Exec(1, id, "ERROR 'bootc status' is not implemented by this test stand-in");
                return new Ssh.Exec(0, id + statusJson(), "");
            }
            if (line.equals("bootc status --json")) {
                return bootc ? new Ssh.Exec(0, statusJson(), "") : new Ssh.Exec(1, "", "ERROR 'bootc status' is not implemented by this test stand-in");
            }
            if (line.contains("bootc switch") || line.contains("bootc upgrade")) {
                if (!domains.shares.stream().anyMatch(x -> x.contains(" pb-storage ") && x.endsWith(" ro"))) {
                    return new Ssh.Exec(32, "", "mount: /run/pb-storage: special device pb-storage does not exist.");
                }
                if (failStage != null) return new Ssh.Exec(1, "", failStage);
                String ref = line.contains("bootc switch") ? line.replaceAll(".*--transport containers-storage (\\S+);.*", "$1")
                        : (staged != null ? staged : booted).getImage();
                staged = new dev.bootc.pb.api.GuestImage(ref, "containers-storage", images.digestOf(ref), "new");
                return new Ssh.Exec(0, "Queued for next boot: " + ref + "\n", "");
            }
            if (line.contains("grub2-editenv")) {
                if (!editenv) return new Ssh.Exec(3, "", "");
                if (line.contains("boot_counter=1")) {
                    bootCounter = 1;
                    bootSuccess = false;
                } else {
                    bootSuccess = true;
                    bootCounter = null;
                }
                return new Ssh.Exec(0, "", "");
            }
            if (line.contains("systemctl is-system-running") || line.startsWith("test-health")) {
                return unhealthy.contains(booted.getDigest()) ? new Ssh.Exec(1, "systemctl is-system-running: maintenance\n", "")
                        : new Ssh.Exec(0, "", "");
            }
            if (line.equals("bootc rollback")) {
                if (rollback == null) return new Ssh.Exec(1, "", "ERROR Rollback: No rollback available");
                rollbackQueued = !rollbackQueued;
                staged = null;
                return new Ssh.Exec(0, "Next boot: rollback deployment\n", "");
            }
            if (line.equals("systemctl reboot")) {
                if (!comesBack) {
                    down = true;
                    bootId++;
                    return new Ssh.Exec(255, "", "Connection closed by remote host");
                }
                if (staged != null) {
                    rollback = booted;
                    booted = staged;
                    staged = null;
                } else if (rollbackQueued) {
                    var b = booted;
                    booted = rollback;
                    rollback = b;
                }
                rollbackQueued = false;
                boot();
                return new Ssh.Exec(255, "", "Connection closed by remote host");
            }
            return new Ssh.Exec(127, "", "sh: " + line + ": not found");
        }

        private volatile boolean down;

        /** GRUB, then the kernel: a counted boot that starts at 0 without success takes the second entry (the previous deployment). */
        private void boot() {
            if (bootCounter != null && !bootSuccess) {
                if (bootCounter <= 0) {
                    var b = booted;
                    booted = rollback;
                    rollback = b;
                    rollbackQueued = true; // the failed deployment is still the default
                    bootCounter = -1;
                } else {
                    bootCounter--;
                }
            }
            bootSuccess = false;
            bootId++;
            down = silent.contains(booted.getDigest());
            if (console != null) {
                domains.appendLog(console, "[    0.000000] Linux version 6.12.57+deb13-amd64 (debian-kernel@lists.debian.org)\r\n"
                        + "[  OK  ] Reached target multi-user.target - Multi-User System.\r\n\r\nDebian GNU/Linux 13 pb-fixture ttyS0\r\n\r\n"
                        + "pb-fixture login: ");
            }
        }

        /** The domain was destroyed and started: a boot from power on. */
        void powerOn() {
            poweredOff = false;
            boot();
        }

        String statusJson() {
            return "{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"BootcHost\",\"status\":{\"booted\":" + entry(booted)
                    + ",\"staged\":" + entry(staged) + ",\"rollback\":" + entry(rollback) + ",\"rollbackQueued\":" + rollbackQueued
                    + ",\"type\":\"bootcHost\"}}";
        }

        private String entry(dev.bootc.pb.api.GuestImage g) {
            if (g == null) return "null";
            return "{\"image\":{\"image\":{\"image\":\"" + g.getImage() + "\",\"transport\":\"" + g.getTransport() + "\"},\"imageDigest\":\""
                    + g.getDigest() + "\",\"version\":\"" + g.getVersion() + "\",\"architecture\":\"amd64\"},\"ostree\":{\"checksum\":\"c\"}}";
        }
    }

    public final FakeGuest guest = new FakeGuest();

    public static void sleep(long millis) {
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The driver support of a file store in {@code dir} (store/, data/, images/) on the real core over this world,
     * with SSH already answering: what the operator and driver tests run on.
     */
    public dev.bootc.pb.driver.DriverSupport fileStoreSupport(Path dir, dev.bootc.pb.store.file.FileVmStore store) {
        ssh.ready = true;
        dev.bootc.pb.reconcile.VmLayout layout = new dev.bootc.pb.reconcile.VmLayout(dir.resolve("data"), dir.resolve("images"));
        return new dev.bootc.pb.driver.DriverSupport(store, new dev.bootc.pb.reconcile.VmReconciler(images, disks, domains, ssh, layout,
                new dev.bootc.pb.reconcile.VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(5)), java.time.Clock.systemUTC()),
                new dev.bootc.pb.store.file.FileEventLog(layout.events()), layout.locks());
    }
}
