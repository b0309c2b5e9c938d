package dev.bootc.pb.port;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The port to the hypervisor (libvirt): define, run and observe domains. Every call asks the
 * hypervisor; nothing is cached. Operations are idempotent (starting a running domain, stopping a
 * stopped one, undefining a missing one do nothing). Fails with LibvirtUnavailable when the daemon
 * cannot be reached, LibvirtError when it refuses, FirmwareMissing when no firmware matches.
 */
public interface Domains extends AutoCloseable {

    /** Defines the domain, or redefines it (keeping its UUID) when one of that name exists. */
    void define(DomainSpec spec);

    void start(String name);

    /** ACPI power-off, waiting up to {@code timeout}, then destroy; true when the guest stopped by itself. */
    boolean shutdown(String name, Duration timeout);

    void destroy(String name);

    /**
     * Hot-plugs a virtiofs share into the running domain, live only (the definition keeps nothing of it): served by
     * {@code readOnlyVirtiofsd} (pb's wrapper of {@code virtiofsd}) when the folder is read-only. For an in-place update,
     * which shares the host's container storage only while the guest reads the image. Fails with LibvirtError.
     */
    void attachShare(String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd);

    /** Unplugs a share {@link #attachShare} added; nothing when the domain has none of that tag (or no longer runs). */
    void detachShare(String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd);

    /** Removes the definition with its NVRAM and TPM state. */
    void undefine(String name);

    Optional<Domain> find(String name);

    /**
     * The guest's IPv4 address on its bridge or libvirt network as libvirt knows it now: the network's DHCP lease
     * (network: libvirt), else the host's ARP table (network: bridge). Empty until the guest has one.
     */
    Optional<String> guestAddress(String name, dev.bootc.pb.api.NetworkMode network);

    /**
     * Tells a running domain's libvirt network that the guest's DHCP leases are free (the guest is about to be
     * destroyed and never says so itself): nothing for a domain on no libvirt network.
     */
    void releaseLeases(String name);

    /** Why a VM cannot join {@code networkName} now (no such bridge or libvirt network, or it is not active), if so. */
    Optional<String> networkProblem(dev.bootc.pb.api.NetworkMode network, String networkName);

    /** Every domain whose metadata holds our element. */
    List<Domain> listOwned();

    /** Calls {@code listener} for each lifecycle event of any domain, on a thread of its own, until closed. */
    AutoCloseable subscribe(Consumer<DomainEvent> listener);

    /** What domains on this host are made with. */
    HostFacts facts();

    /** The host's memory as the hypervisor sees it now: free and total bytes. */
    Memory memory();

    /** The end of a domain's serial console log (at most {@code maxBytes}), empty when there is none. */
    String serialLogTail(Path log, int maxBytes);

    /** When the console last wrote to a serial log (its modification time), empty when there is none. */
    Optional<java.time.Instant> serialLogWritten(Path log);

    /** Removes a serial log before a boot, so what it shows is of this boot only. */
    void resetSerialLog(Path log);

    /**
     * At most {@code maxBytes} of a serial log from {@code offset}; a log that was replaced (a new
     * boot) or shortened since is read from its start. Empty when there is no log.
     */
    java.util.Optional<SerialChunk> readSerialLog(Path log, SerialPosition from, int maxBytes);

    /**
     * Attaches the caller's terminal to the domain's serial console until Ctrl-] (as {@code virsh
     * console}); returns when it is left. Fails with VmNotRunning, ConsoleFailed.
     */
    void attachConsole(String name);

    /** Where a reader of a serial log is: which file (its identity) and how far. */
    record SerialPosition(String fileKey, long offset) {
        public static final SerialPosition START = new SerialPosition(null, 0);
    }

    /** Bytes read from a serial log, and where the next read starts. */
    record SerialChunk(byte[] bytes, SerialPosition next, boolean restarted) {
    }

    @Override
    void close();

    /** Free and total memory of the host, in bytes. */
    record Memory(long freeBytes, long totalBytes) {
        /** The used share, 0 to 1. */
        public double usedFraction() {
            return totalBytes <= 0 ? 1 : Math.min(1, Math.max(0, 1 - (double) freeBytes / totalBytes));
        }
    }

    /**
     * The host's side of every domain: connection, accelerator, architecture, virtiofsd when there is one, and why
     * volumes cannot be shared here when they cannot (libvirt before 10.0 refuses virtiofs on qemu:///session).
     */
    record HostFacts(String uri, Accel accel, HostArch arch, Optional<Path> virtiofsd, Optional<String> volumesRefused) {
        public HostFacts(String uri, Accel accel, HostArch arch, Optional<Path> virtiofsd) {
            this(uri, accel, arch, virtiofsd, Optional.empty());
        }
    }
}
