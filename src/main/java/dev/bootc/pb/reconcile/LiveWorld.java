package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Quantity;
import dev.bootc.pb.config.PbPaths;
import dev.bootc.pb.disk.BaseDiskCache;
import dev.bootc.pb.disk.BaseDiskOptions;
import dev.bootc.pb.disk.ImageResolver;
import dev.bootc.pb.disk.Overlays;
import dev.bootc.pb.disk.ProcessRunner;
import dev.bootc.pb.disk.ProgressListener;
import dev.bootc.pb.disk.PullPolicy;
import dev.bootc.pb.disk.ResolvedImage;
import dev.bootc.pb.libvirt.DomainInfo;
import dev.bootc.pb.libvirt.DomainSpec;
import dev.bootc.pb.libvirt.DomainXml;
import dev.bootc.pb.libvirt.Hypervisor;
import dev.bootc.pb.libvirt.PbMetadata;
import dev.bootc.pb.libvirt.VirtiofsMounts;
import dev.bootc.pb.ssh.SshCredentials;
import dev.bootc.pb.ssh.SshKeyPair;
import dev.bootc.pb.ssh.SshPortAllocator;
import dev.bootc.pb.ssh.SshReadinessProbe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The real world: podman and the disk cache, libvirt, and SSH, wired for one host. */
public final class LiveWorld implements World {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LiveWorld.class);
    private final PbPaths paths;
    private final Supplier<Hypervisor> hypervisorSupplier;
    private final ProcessRunner runner;
    private final BaseDiskCache cache;
    private final Overlays overlays;
    private final SshReadinessProbe probe = new SshReadinessProbe();
    private Hypervisor hypervisor;

    public LiveWorld(PbPaths paths, Supplier<Hypervisor> hypervisor, ProcessRunner runner) {
        this.paths = paths;
        this.hypervisorSupplier = hypervisor;
        this.runner = runner;
        this.cache = new BaseDiskCache(paths.baseDisks(), new dev.bootc.pb.disk.BaseDiskBuilder(runner), runner);
        this.overlays = new Overlays(runner);
    }

    public synchronized Hypervisor hypervisor() {
        if (hypervisor == null) hypervisor = hypervisorSupplier.get();
        return hypervisor;
    }

    /** The hypervisor connection when one was opened. */
    public synchronized Optional<Hypervisor> hypervisorIfOpen() {
        return Optional.ofNullable(hypervisor);
    }

    public BaseDiskCache cache() {
        return cache;
    }

    public PbPaths paths() {
        return paths;
    }

    /** The libvirt domain name of a VM: namespace and name, joined by a character no name can hold. */
    public static String domainNameOf(String namespace, String name) {
        return namespace + "_" + name;
    }

    @Override
    public String domainName(BootcVm vm) {
        return domainNameOf(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
    }

    public Path overlayPath(BootcVm vm) {
        return paths.vmDisks().resolve(domainName(vm) + ".qcow2");
    }

    public Path nvramPath(BootcVm vm) {
        return paths.vmDisks().resolve(domainName(vm) + "_VARS.fd");
    }

    public Path vmDir(BootcVm vm) {
        return paths.vmDir(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
    }

    @Override
    public Optional<Domain> domain(BootcVm vm) {
        return hypervisor().find(domainName(vm)).map(LiveWorld::toDomain);
    }

    static Domain toDomain(DomainInfo d) {
        DomainState s = switch (d.state()) {
            case RUNNING -> DomainState.RUNNING;
            case SHUTOFF -> DomainState.SHUTOFF;
            case PAUSED -> DomainState.PAUSED;
            case CRASHED -> DomainState.CRASHED;
            default -> DomainState.OTHER;
        };
        Optional<PbMetadata> m = d.pbMetadata();
        return new Domain(d.name(), d.uuid(), s, m.map(PbMetadata::sshPort).orElse(null),
                m.map(PbMetadata::ownerUid).orElse(null), m.map(PbMetadata::digest).orElse(null));
    }

    @Override
    public boolean overlayExists(BootcVm vm) {
        return Files.exists(overlayPath(vm));
    }

    @Override
    public Image resolveImage(String reference, String pullPolicy, Consumer<String> progress) {
        ResolvedImage r = new ImageResolver(runner).resolve(reference, PullPolicy.parse(pullPolicy == null ? "missing" : pullPolicy), listener(progress));
        return new Image(r.reference(), r.id(), r.digest(), r.sizeBytes());
    }

    @Override
    public void checkGuestPaths(Image image, List<dev.bootc.pb.api.VolumeMount> volumes) {
        new dev.bootc.pb.disk.GuestPaths(runner).check(image.reference(), volumes);
    }

    /** Before anything is written: refuses bad volume guest paths when the image is already in local storage. */
    public void checkGuestPathsIfLocal(String imageRef, List<dev.bootc.pb.api.VolumeMount> volumes) {
        if (volumes.isEmpty()) return;
        if (new ImageResolver(runner).inspect(imageRef).isEmpty()) return; // checked after the pull, by the reconciler
        new dev.bootc.pb.disk.GuestPaths(runner).check(imageRef, volumes);
    }

    @Override
    public BaseDisk ensureBaseDisk(BootcVm vm, Image image, Consumer<String> progress) {
        BootcVmSpec spec = effective(vm).getSpec();
        var disk = cache.ensure(new ResolvedImage(image.reference(), image.id(), image.digest(), image.sizeBytes()),
                BaseDiskOptions.of(spec), listener(progress));
        return new BaseDisk(disk.key(), disk.path(), disk.options().filesystem() == null ? null : disk.options().filesystem().name());
    }

    @Override
    public VmFiles ensureVmFiles(BootcVm vm, BaseDisk base) {
        Path overlay = overlayPath(vm);
        if (!Files.exists(overlay)) {
            if (base == null) {
                throw new PbException.Failed("DiskMissing", "The disk of VM " + vm.getMetadata().getName() + " is gone: pb rm -f it and run it again");
            }
            long size = Quantity.bytes(effective(vm).getSpec().getDisk().getSize());
            overlays.create(base.path(), overlay, size);
        }
        Path dir = vmDir(vm);
        dev.bootc.pb.api.SshKeyType type = effective(vm).getSpec().getSsh().getKeyType();
        SshKeyPair keys = SshKeyPair.loadOrCreate(dir, "pb@" + vm.getMetadata().getName(), type == null ? dev.bootc.pb.api.SshKeyType.ed25519 : type);
        return new VmFiles(overlay, keys.privateKeyFile(), keys.publicKey(), dir);
    }

    @Override
    public int sshPort(BootcVm vm, Integer current) {
        Path reservation = vmDir(vm).resolve("ssh-port");
        if (current != null) {
            writeQuietly(reservation, current.toString());
            return current;
        }
        // One allocation at a time on this host (threads: the monitor; processes: the file lock), and
        // every VM's reservation counts as taken.
        synchronized (PORT_ALLOCATION) {
            return allocatePort(reservation);
        }
    }

    private static final Object PORT_ALLOCATION = new Object();

    private int allocatePort(Path reservation) {
        try {
            Files.createDirectories(paths.dataRoot());
            try (FileChannel ch = FileChannel.open(paths.dataRoot().resolve(".ports.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 var ignored = ch.lock()) {
                if (Files.exists(reservation)) {
                    return Integer.parseInt(Files.readString(reservation).trim());
                }
                Set<Integer> taken = new HashSet<>();
                for (DomainInfo d : hypervisor().listOwnedDomains()) d.pbMetadata().map(PbMetadata::sshPort).ifPresent(taken::add);
                Path vms = paths.dataRoot().resolve("vms");
                if (Files.isDirectory(vms)) {
                    try (Stream<Path> s = Files.find(vms, 3, (p, a) -> p.getFileName().toString().equals("ssh-port"))) {
                        s.forEach(p -> {
                            try {
                                taken.add(Integer.parseInt(Files.readString(p).trim()));
                            } catch (IOException | NumberFormatException e) {
                                // a broken reservation holds nothing
                            }
                        });
                    }
                }
                int port = new SshPortAllocator().allocate(taken);
                Files.createDirectories(reservation.getParent());
                Files.writeString(reservation, Integer.toString(port));
                return port;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public DefineOutcome defineDomain(BootcVm vm, VmFiles files, int sshPort, Image image) {
        BootcVm eff = effective(vm);
        BootcVmSpec spec = eff.getSpec();
        Optional<DomainInfo> existing = hypervisor().find(domainName(vm));
        String digest = image != null ? image.digest()
                : vm.getStatus() != null && vm.getStatus().getImageDigest() != null ? vm.getStatus().getImageDigest()
                : existing.flatMap(DomainInfo::pbMetadata).map(PbMetadata::digest).orElse(null);
        Instant created = existing.flatMap(DomainInfo::pbMetadata).map(PbMetadata::created).orElse(Instant.now());
        List<String> keys = new ArrayList<>();
        keys.add(files.publicKey());
        if (spec.getSsh().getAuthorizedKeys() != null) keys.addAll(spec.getSsh().getAuthorizedKeys());
        DomainSpec.Builder b = DomainSpec.builder(domainName(vm))
                .memoryMiB((int) Quantity.mebibytes(spec.getResources().getMemory()))
                .vcpus(spec.getResources().getCpus())
                .accel(hypervisor().accel())
                .firmware(spec.getFirmware())
                .tpm(!Boolean.FALSE.equals(spec.getTpm()))
                .nvramPath(nvramPath(vm))
                .diskPath(files.overlay())
                .serialLogPath(files.vmDir().resolve("serial.log"))
                .smbiosStrings(SshCredentials.smbiosStrings(spec.getSsh().getUser(), keys))
                .network(spec.getNetwork())
                .sshPort(sshPort)
                .forwards(spec.portsOrEmpty())
                .metadata(new PbMetadata(vm.getMetadata().getNamespace(), vm.getMetadata().getName(), vm.getMetadata().getUid(),
                        spec.getImage(), digest, sshPort, spec.getSsh().getUser(), files.privateKey().toString(), created));
        if (!spec.volumesOrEmpty().isEmpty()) {
            if (spec.volumesOrEmpty().stream().anyMatch(dev.bootc.pb.api.VolumeMount::readOnly)) {
                LOG.warnf("VM %s: read-only volumes are mounted read-only by the guest; libvirt 9.0 cannot make virtiofs read-only on the host side",
                        vm.getMetadata().getName());
            }
            b.virtiofsd(VirtiofsMounts.requireVirtiofsd());
            b.volumes(spec.volumesOrEmpty());
        }
        DomainSpec ds = b.build();
        VirtiofsMounts.fstabCredential(ds.sharedFolders()).ifPresent(b::smbiosString);
        DomainSpec finalSpec = b.build();
        String hash = sha256(DomainXml.write(finalSpec, "00000000-0000-0000-0000-000000000000"));
        Path hashFile = files.vmDir().resolve("domain.sha256");
        String previous = readQuietly(hashFile);
        if (existing.isPresent() && hash.equals(previous)) return DefineOutcome.UNCHANGED;
        hypervisor().define(finalSpec);
        writeQuietly(hashFile, hash);
        if (existing.isEmpty()) return DefineOutcome.CREATED;
        return existing.get().running() ? DefineOutcome.UPDATED_RESTART_REQUIRED : DefineOutcome.UPDATED;
    }

    @Override
    public void start(BootcVm vm) {
        Path serial = vmDir(vm).resolve("serial.log");
        try {
            Files.deleteIfExists(serial);
        } catch (IOException e) {
            // libvirt truncates it anyway (append='off')
        }
        hypervisor().start(domainName(vm));
    }

    @Override
    public void shutdown(BootcVm vm, Duration timeout) {
        hypervisor().shutdown(domainName(vm), timeout);
    }

    @Override
    public Probe probeSsh(BootcVm vm, int port, VmFiles files) {
        BootcVmSpec spec = effective(vm).getSpec();
        String user = spec.getSsh().getUser();
        // The pair ensureVmFiles made: read the private key once, without loadOrCreate's second read.
        SshKeyPair keys = new SshKeyPair(files.privateKey(), SshKeyPair.publicKeyFileOf(files.privateKey()), files.publicKey());
        SshReadinessProbe.Result r = probe.check("127.0.0.1", port, user, keys.keyPair());
        if (!r.ready()) SerialLogFailures.check(vm.getMetadata().getName(), spec.getFirmware(), files.vmDir().resolve("serial.log"));
        return new Probe(r.ready(), r.message());
    }

    @Override
    public AutoCloseable subscribe(Consumer<dev.bootc.pb.libvirt.DomainEvent> listener) {
        return hypervisor().subscribe(listener);
    }

    @Override
    public void cleanup(BootcVm vm) {
        String name = domainName(vm);
        Hypervisor h = hypervisor();
        if (h.find(name).isPresent()) {
            h.destroy(name);
            h.undefine(name);
        }
        overlays.delete(overlayPath(vm));
        deleteQuietly(nvramPath(vm));
        deleteTree(vmDir(vm));
    }

    /** Removes what a domain of ours left when its resource is gone (pb rm -f of an orphan). */
    public void cleanupOrphan(DomainInfo d) {
        Hypervisor h = hypervisor();
        h.destroy(d.name());
        h.undefine(d.name());
        overlays.delete(paths.vmDisks().resolve(d.name() + ".qcow2"));
        deleteQuietly(paths.vmDisks().resolve(d.name() + "_VARS.fd"));
        d.pbMetadata().ifPresent(m -> deleteTree(paths.vmDir(m.ownerNamespace(), m.ownerName())));
    }

    static BootcVm effective(BootcVm vm) {
        return Defaults.apply(Json.copy(vm, BootcVm.class));
    }

    private static ProgressListener listener(Consumer<String> progress) {
        return new ProgressListener() {
            @Override
            public void phase(String phase) {
                progress.accept(phase);
            }

            @Override
            public void output(String line) {
                progress.accept("  " + line);
            }
        };
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static void writeQuietly(Path p, String text) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(LiveWorld::deleteQuietly);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
