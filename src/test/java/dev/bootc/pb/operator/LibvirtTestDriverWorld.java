package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.config.PbPaths;
import dev.bootc.pb.disk.Command;
import dev.bootc.pb.disk.ProcessRunner;
import dev.bootc.pb.libvirt.LibvirtHypervisor;
import dev.bootc.pb.reconcile.LiveWorld;
import dev.bootc.pb.reconcile.World;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The real world on libvirt's test:///default driver (real libvirt, no hypervisor): domains, overlays
 * and keys are real; the image, the base disk build and SSH are stood in for, since no guest boots.
 */
public final class LibvirtTestDriverWorld implements World {
    public final LiveWorld live;
    private final Path base;

    public LibvirtTestDriverWorld(Path dir) throws Exception {
        PbPaths paths = new PbPaths(dir.resolve("data"), dir.resolve("images"));
        live = new LiveWorld(paths, () -> LibvirtHypervisor.connect("test:///default"), ProcessRunner.local());
        base = dir.resolve("base.qcow2");
        Files.createDirectories(dir);
        ProcessRunner.local().run(Command.of("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "1G")).orThrow("Test", "qemu-img");
    }

    @Override
    public String domainName(BootcVm vm) {
        return live.domainName(vm);
    }

    @Override
    public Optional<Domain> domain(BootcVm vm) {
        return live.domain(vm);
    }

    @Override
    public boolean overlayExists(BootcVm vm) {
        return live.overlayExists(vm);
    }

    @Override
    public Image resolveImage(String reference, String pullPolicy, Consumer<String> progress) {
        return new Image(reference, "0123456789ab", "sha256:" + "0".repeat(64), 1 << 20);
    }

    @Override
    public BaseDisk ensureBaseDisk(BootcVm vm, Image image, Consumer<String> progress) {
        return new BaseDisk("testkey", base, "xfs");
    }

    @Override
    public VmFiles ensureVmFiles(BootcVm vm, BaseDisk b) {
        return live.ensureVmFiles(vm, b);
    }

    @Override
    public int sshPort(BootcVm vm, Integer current) {
        return live.sshPort(vm, current);
    }

    @Override
    public DefineOutcome defineDomain(BootcVm vm, VmFiles files, int sshPort, Image image) {
        return live.defineDomain(vm, files, sshPort, image);
    }

    @Override
    public void start(BootcVm vm) {
        live.start(vm);
    }

    @Override
    public void shutdown(BootcVm vm, Duration timeout) {
        live.hypervisor().destroy(live.domainName(vm));
    }

    @Override
    public Probe probeSsh(BootcVm vm, int port, VmFiles files) {
        return new Probe(true, "no guest on the test driver");
    }

    @Override
    public AutoCloseable subscribe(Consumer<dev.bootc.pb.libvirt.DomainEvent> listener) {
        return live.subscribe(listener);
    }

    @Override
    public void cleanup(BootcVm vm) {
        live.cleanup(vm);
    }
}
