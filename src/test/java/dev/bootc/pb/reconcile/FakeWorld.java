package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A test double of the outside world: records calls, and fails or answers as a test sets it up. */
class FakeWorld implements World {
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile long buildMillis;
    Domain domain;
    boolean overlay;
    boolean sshReady;
    PbException failResolve;
    PbException failBuild;
    PbException failDefine;
    DefineOutcome defineOutcome = DefineOutcome.CREATED;

    @Override
    public String domainName(BootcVm vm) {
        return vm.getMetadata().getNamespace() + "_" + vm.getMetadata().getName();
    }

    @Override
    public Optional<Domain> domain(BootcVm vm) {
        return Optional.ofNullable(domain);
    }

    @Override
    public boolean overlayExists(BootcVm vm) {
        return overlay;
    }

    @Override
    public Image resolveImage(String reference, String pullPolicy, Consumer<String> progress) {
        calls.add("resolve");
        if (failResolve != null) throw failResolve;
        return new Image(reference, "abc123", "sha256:feed", 1 << 30);
    }

    @Override
    public BaseDisk ensureBaseDisk(BootcVm vm, Image image, Consumer<String> progress) {
        calls.add("build");
        if (failBuild != null) throw failBuild;
        try {
            Thread.sleep(buildMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new BaseDisk("k1", Path.of("/cache/k1.qcow2"), "xfs");
    }

    @Override
    public VmFiles ensureVmFiles(BootcVm vm, BaseDisk base) {
        calls.add("files");
        overlay = true;
        return new VmFiles(Path.of("/vms/" + vm.getMetadata().getName() + ".qcow2"), Path.of("/state/id_ed25519"), "ssh-ed25519 AAAA", Path.of("/state"));
    }

    @Override
    public int sshPort(BootcVm vm, Integer current) {
        return current != null ? current : 40022;
    }

    @Override
    public DefineOutcome defineDomain(BootcVm vm, VmFiles files, int sshPort, Image image) {
        calls.add("define");
        if (failDefine != null) throw failDefine;
        DefineOutcome out = domain == null ? DefineOutcome.CREATED : defineOutcome == DefineOutcome.CREATED ? DefineOutcome.UNCHANGED : defineOutcome;
        if (domain == null) domain = new Domain(domainName(vm), "uuid-1", DomainState.SHUTOFF, sshPort, vm.getMetadata().getUid(), "sha256:feed");
        return out;
    }

    @Override
    public void start(BootcVm vm) {
        calls.add("start");
        domain = new Domain(domain.name(), domain.uuid(), DomainState.RUNNING, domain.sshPort(), domain.uid(), domain.imageDigest());
    }

    @Override
    public void shutdown(BootcVm vm, Duration timeout) {
        calls.add("shutdown");
        domain = new Domain(domain.name(), domain.uuid(), DomainState.SHUTOFF, domain.sshPort(), domain.uid(), domain.imageDigest());
    }

    @Override
    public Probe probeSsh(BootcVm vm, int port, VmFiles files) {
        calls.add("probe");
        return sshReady ? new Probe(true, "ok") : new Probe(false, "connection refused");
    }

    @Override
    public AutoCloseable subscribe(Consumer<dev.bootc.pb.libvirt.DomainEvent> listener) {
        return () -> { };
    }

    @Override
    public void cleanup(BootcVm vm) {
        calls.add("cleanup");
        domain = null;
        overlay = false;
    }

    void destroyBehindOurBack() {
        domain = new Domain(domain.name(), domain.uuid(), DomainState.SHUTOFF, domain.sshPort(), domain.uid(), domain.imageDigest());
    }
}
