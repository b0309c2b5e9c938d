package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Everything outside the resource that a reconcile looks at or changes: podman, the disk cache,
 * libvirt, SSH. One interface so the core can be driven by a test double; {@code LiveWorld} is the
 * real one. Failures are {@link dev.bootc.pb.api.PbException}s whose reason goes into a condition.
 */
public interface World {

    /** A resolved image: the local id, its digest and its size. */
    record Image(String reference, String id, String digest, long sizeBytes) {
    }

    /** A base disk in the cache. */
    record BaseDisk(String key, Path path, String filesystem) {
    }

    /** The VM's own disk and SSH identity, stable across restarts. */
    record VmFiles(Path overlay, Path privateKey, String publicKey, Path vmDir) {
    }

    enum DomainState { RUNNING, SHUTOFF, PAUSED, CRASHED, OTHER }

    /** The VM's domain as libvirt shows it now. */
    record Domain(String name, String uuid, DomainState state, Integer sshPort, String uid, String imageDigest) {
        public boolean running() {
            return state == DomainState.RUNNING || state == DomainState.PAUSED;
        }
    }

    /** What defining the domain did. */
    enum DefineOutcome { CREATED, UNCHANGED, UPDATED, UPDATED_RESTART_REQUIRED }

    /** The result of one SSH probe. */
    record Probe(boolean ready, String reason) {
    }

    /** The libvirt domain name of a VM. */
    String domainName(BootcVm vm);

    Optional<Domain> domain(BootcVm vm);

    /** The overlay disk exists (the VM was provisioned before). */
    boolean overlayExists(BootcVm vm);

    Image resolveImage(String reference, String pullPolicy, Consumer<String> progress);

    BaseDisk ensureBaseDisk(BootcVm vm, Image image, Consumer<String> progress);

    /** Refuses (InvalidGuestPath) volumes whose guest path a booted guest of this image cannot have. */
    default void checkGuestPaths(Image image, java.util.List<dev.bootc.pb.api.VolumeMount> volumes) {
    }

    /** The overlay on the base disk (created when missing) and the VM's key pair. */
    VmFiles ensureVmFiles(BootcVm vm, BaseDisk base);

    /** An SSH port for the VM: the one it has, else a free one no other VM holds. */
    int sshPort(BootcVm vm, Integer current);

    DefineOutcome defineDomain(BootcVm vm, VmFiles files, int sshPort, Image image);

    void start(BootcVm vm);

    /** Graceful shutdown, then destroy after the timeout. */
    void shutdown(BootcVm vm, Duration timeout);

    Probe probeSsh(BootcVm vm, int port, VmFiles files);

    /** Calls the listener for each lifecycle event of a domain of ours, on another thread, until closed. */
    AutoCloseable subscribe(Consumer<dev.bootc.pb.libvirt.DomainEvent> listener);

    /** Destroys and undefines the domain (NVRAM too) and deletes the overlay, key and VM folder. */
    void cleanup(BootcVm vm);
}
