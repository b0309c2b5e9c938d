package dev.bootc.pb.testing;

import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.disk.LocalDisks;
import dev.bootc.pb.libvirt.LibvirtDomains;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.ssh.GuestSsh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The real world on libvirt's test:///default driver (real libvirt, no hypervisor): domains, overlays and raw
 * copies (of an empty 1 GiB base disk), exports, keys and ports are real; the image, the base disk build and the SSH probe are stood in for, since no
 * guest boots there.
 */
public final class TestDriverWorld implements AutoCloseable {
    public final VmLayout layout;
    public final LibvirtDomains domains;
    public final Disks disks;
    public final Ssh ssh;
    public final Images images;
    /** The pull policy each reference was last resolved with (local lookups are not resolves). */
    public final java.util.Map<String, PullPolicy> pulls = new java.util.concurrent.ConcurrentHashMap<>();
    private final Path base;

    public TestDriverWorld(Path dir) throws Exception {
        layout = new VmLayout(dir.resolve("data"), dir.resolve("images"));
        domains = new LibvirtDomains("test:///default", Accel.TCG, HostArch.X86_64, Optional.empty());
        base = dir.resolve("base.qcow2");
        Files.createDirectories(dir);
        ProcessRunner.local().run(Command.of("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "1G"))
                .orThrow(dev.bootc.pb.api.Failure.Failed, "qemu-img");
        LocalDisks real = new LocalDisks(ProcessRunner.local(), layout.baseDisks(), layout.vmDisks());
        disks = new Disks() {
            @Override
            public BaseDisk ensureBase(Image image, BaseDiskOptions options, Integer systemdVersion, Progress progress) {
                return new BaseDisk("testkey", base, image.reference(), image.digest(), image.id(), options, 1L << 30, 1 << 20, Instant.now(), false,
                        systemdVersion);
            }

            @Override
            public boolean exists(Path file) {
                return real.exists(file);
            }

            @Override
            public Path realPath(Path path) {
                return real.realPath(path);
            }

            @Override
            public void createOverlay(Path b, Path overlay, long size) {
                real.createOverlay(b, overlay, size);
            }

            @Override
            public void createRawCopy(Path b, Path disk, long size, Progress progress) {
                real.createRawCopy(b, disk, size, progress);
            }

            @Override
            public void export(Path disk, Path file, dev.bootc.pb.port.ExportFormat format, boolean replace, Progress progress) {
                real.export(disk, file, format, replace, progress);
            }

            @Override
            public void delete(Path file) {
                real.delete(file);
            }

            @Override
            public void deleteFolder(Path folder) {
                real.deleteFolder(folder);
            }

            @Override
            public List<BaseDisk> baseDisks() {
                return real.baseDisks();
            }

            @Override
            public List<BaseDisk> prune(Set<Path> inUse) {
                return real.prune(inUse);
            }

            @Override
            public Map<Path, Path> overlays() {
                return real.overlays();
            }

            @Override
            public String writeSeed(Path iso, dev.bootc.pb.port.CloudInitSeed seed) {
                return real.writeSeed(iso, seed);
            }

            @Override
            public Map<String, String> readSeed(dev.bootc.pb.port.CloudInitSeed seed) {
                return real.readSeed(seed);
            }
        };
        GuestSsh realSsh = new GuestSsh(layout.ports());
        ssh = new Ssh() {
            @Override
            public SshKey ensureKey(Path vmDir, SshKeyType type, String comment) {
                return realSsh.ensureKey(vmDir, type, comment);
            }

            @Override
            public Optional<SshKey> existingKey(Path vmDir) {
                return realSsh.existingKey(vmDir);
            }

            @Override
            public Reservation reservePorts(String owner, Integer current, List<HostPort> forwards) {
                return realSsh.reservePorts(owner, current, forwards);
            }

            @Override
            public Optional<PortHolder> portHolder(HostPort port) {
                return realSsh.portHolder(port);
            }

            @Override
            public void releasePorts(String owner, Integer sshPort) {
                realSsh.releasePorts(owner, sshPort);
            }

            @Override
            public Probe probe(String host, int port, String user, Path privateKey) {
                return new Probe(true, "no guest on the test driver");
            }

            @Override
            public int connect(Target target, List<String> command) {
                throw new UnsupportedOperationException("no guest on the test driver");
            }

            @Override
            public ScriptRun runScript(Target target, String script, java.time.Duration timeout) {
                throw new UnsupportedOperationException("no guest on the test driver");
            }

            @Override
            public Exec exec(Target target, String commandLine, java.time.Duration timeout) {
                return new Exec(255, "", "no guest on the test driver");
            }
        };
        images = new Images() {
            private Image image(String reference) {
                return new Image(reference, "0123456789ab", "sha256:" + "0".repeat(64), 1 << 20);
            }

            @Override
            public Image resolve(String reference, PullPolicy policy, Progress progress) {
                pulls.put(reference, policy);
                return image(reference);
            }

            @Override
            public Optional<Image> local(String reference) {
                return Optional.of(image(reference));
            }

            @Override
            public Set<String> topLevelEntries(Image image) {
                return Set.of("usr", "etc", "var", "mnt");
            }

            @Override
            public Storage storage() {
                return new Storage(Path.of("/var/lib/containers/storage"), "overlay");
            }

            @Override
            public Optional<Filesystem> declaredRootFilesystem(Image image) {
                return Optional.empty();
            }

            @Override
            public java.util.OptionalInt systemdVersion(Image image) {
                return java.util.OptionalInt.of(257);
            }

            @Override
            public List<LocalImage> bootableImages() {
                return List.of();
            }

            @Override
            public List<StoredImage> storedImages() {
                return List.of();
            }
        };
    }

    /** The root's parts on this world, with the given store and events. */
    public dev.bootc.pb.boot.Root.Parts parts(dev.bootc.pb.store.VmStore store, dev.bootc.pb.store.EventLog events) {
        return new dev.bootc.pb.boot.Root.Parts(() -> images, () -> disks, () -> domains, () -> ssh, () -> store, () -> events);
    }

    /** Removes the domains this world's tests made on the shared test driver, and closes its connection. */
    @Override
    public void close() {
        for (dev.bootc.pb.port.Domain d : domains.listOwned()) {
            domains.destroy(d.name());
            domains.undefine(d.name());
        }
        domains.close();
    }
}
