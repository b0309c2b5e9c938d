package dev.bootc.pb.port;

import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.PortForward;
import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.api.VolumeMount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything the domain XML of one VM is made from: the input of {@code DomainXml.write} (the libvirt adapter). Built with
 * {@link #builder(String)}; the compact constructor rejects what libvirt or QEMU would choke on, so a
 * value that reaches the XML or QEMU's command line is known to be safe there.
 */
public record DomainSpec(
        String name,
        int memoryMiB,
        int vcpus,
        Accel accel,
        HostArch arch,
        Firmware firmware,
        boolean tpm,
        Path nvramPath,
        Path diskPath,
        Path serialLogPath,
        List<String> smbiosStrings,
        NetworkMode network,
        Integer sshPort,
        List<HostForward> forwards,
        List<SharedFolder> sharedFolders,
        Path virtiofsd,
        Path virtiofsdReadOnly,
        SeedDisk cloudInitSeed,
        PbMetadata metadata,
        String networkName) {

    private static final Pattern IPV4 = Pattern.compile(Validation.IPV4_PATTERN);

    /** A host port forwarded into the guest by QEMU's user networking. */
    public record HostForward(Protocol protocol, String hostIp, int hostPort, int guestPort) {
        public HostForward {
            protocol = protocol == null ? Protocol.tcp : protocol;
            hostIp = hostIp == null || hostIp.isBlank() ? "127.0.0.1" : hostIp;
            // hostIp goes into QEMU's -netdev option string: only a plain IPv4 literal may get there
            if (!IPV4.matcher(hostIp).matches()) {
                throw new IllegalArgumentException("host IP of a port forward must be an IPv4 address: " + hostIp);
            }
            checkPort("host port", hostPort);
            checkPort("guest port", guestPort);
        }

        public static HostForward of(PortForward p) {
            return new HostForward(p.getProtocol(), p.getHostIP(), p.getHostPort(), p.getGuestPort());
        }
    }

    /** The cloud-init seed, attached read-only; the hash of its content makes a changed seed a changed domain. */
    public record SeedDisk(Path iso, String contentHash) {
        public SeedDisk {
            Objects.requireNonNull(iso, "iso");
            if (!iso.isAbsolute()) throw new IllegalArgumentException("seed path must be absolute: " + iso);
        }
    }

    /** A host folder shared with the guest over virtiofs under a mount tag. */
    public record SharedFolder(Path hostPath, String guestPath, boolean readOnly, String tag) {
        public SharedFolder {
            Objects.requireNonNull(hostPath, "hostPath");
            if (!hostPath.isAbsolute()) throw new IllegalArgumentException("host path must be absolute: " + hostPath);
            if (guestPath == null || !guestPath.startsWith("/")) {
                throw new IllegalArgumentException("guest path must be absolute: " + guestPath);
            }
            if (tag == null || tag.isBlank() || tag.length() > 36) {
                throw new IllegalArgumentException("virtiofs tag must be 1-36 characters: " + tag);
            }
        }

        /** The mount tag of the i-th shared folder of a VM. */
        public static String tag(int index) {
            return "pb-vol" + index;
        }
    }

    public DomainSpec {
        if (name == null || name.isBlank() || name.contains("/")) {
            throw new IllegalArgumentException("domain name must be non-blank without '/': " + name);
        }
        if (memoryMiB < 128) throw new IllegalArgumentException("memory must be at least 128 MiB: " + memoryMiB);
        if (vcpus < 1) throw new IllegalArgumentException("vcpus must be at least 1: " + vcpus);
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(arch, "arch");
        firmware = firmware == null ? Firmware.uefi : firmware;
        if (firmware == Firmware.bios && !arch.hasBios()) {
            throw new IllegalArgumentException("firmware bios does not exist on " + arch.archName() + ": use uefi");
        }
        network = network == null ? NetworkMode.user : network;
        Objects.requireNonNull(diskPath, "diskPath");
        if (firmware.isUefi()) Objects.requireNonNull(nvramPath, "nvramPath (UEFI needs a per-VM NVRAM file)");
        smbiosStrings = List.copyOf(smbiosStrings == null ? List.of() : smbiosStrings);
        forwards = List.copyOf(forwards == null ? List.of() : forwards);
        sharedFolders = List.copyOf(sharedFolders == null ? List.of() : sharedFolders);
        if (network == NetworkMode.user) {
            if (sshPort == null) throw new IllegalArgumentException("user networking needs an SSH port");
            checkPort("SSH port", sshPort);
        } else if (!forwards.isEmpty()) {
            throw new IllegalArgumentException("port forwards need network mode 'user'");
        }
        if (network.ownAddress() != (networkName != null)) {
            throw new IllegalArgumentException("a bridge or libvirt network, and only those, names its network: " + network + " " + networkName);
        }
        // the name goes into libvirt's XML and the host's interface lookups
        if (networkName != null && !networkName.matches(Validation.NETWORK_NAME_PATTERN)) {
            throw new IllegalArgumentException("not a network name: " + networkName);
        }
        if (!sharedFolders.isEmpty()) Objects.requireNonNull(virtiofsd, "virtiofsd (shared folders need it)");
        if (sharedFolders.stream().anyMatch(SharedFolder::readOnly)) {
            Objects.requireNonNull(virtiofsdReadOnly, "virtiofsdReadOnly (read-only folders are read-only on the host's side)");
        }
        if (sharedFolders.stream().map(SharedFolder::tag).distinct().count() != sharedFolders.size()) {
            throw new IllegalArgumentException("virtiofs tags must be unique");
        }
    }

    /**
     * The format of the VM's disk, as its file's extension says (pb names its disks so): told by the path rather than
     * by a field of its own, so the recorded hash of every domain made before formats existed stays what it was.
     */
    public DiskFormat diskFormat() {
        return DiskFormat.ofFile(diskPath);
    }

    private static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException(what + " out of range: " + port);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Fluent construction with pb's defaults (2 GiB, 2 vCPUs, UEFI, a TPM, user networking); accelerator and architecture must be set. */
    public static final class Builder {
        private final String name;
        private int memoryMiB = 2048;
        private int vcpus = 2;
        private Accel accel;
        private HostArch arch;
        private Firmware firmware = Firmware.uefi;
        private boolean tpm = true;
        private Path nvramPath;
        private Path diskPath;
        private Path serialLogPath;
        private final List<String> smbiosStrings = new ArrayList<>();
        private NetworkMode network = NetworkMode.user;
        private Integer sshPort;
        private final List<HostForward> forwards = new ArrayList<>();
        private final List<SharedFolder> sharedFolders = new ArrayList<>();
        private Path virtiofsd;
        private Path virtiofsdReadOnly;
        private SeedDisk cloudInitSeed;
        private PbMetadata metadata;
        private String networkName;

        private Builder(String name) {
            this.name = name;
        }

        public Builder memoryMiB(int v) { this.memoryMiB = v; return this; }
        public Builder vcpus(int v) { this.vcpus = v; return this; }
        public Builder accel(Accel v) { this.accel = v; return this; }
        public Builder firmware(Firmware v) { this.firmware = v; return this; }
        public Builder arch(HostArch v) { this.arch = v; return this; }
        public Builder tpm(boolean v) { this.tpm = v; return this; }
        public Builder nvramPath(Path v) { this.nvramPath = v; return this; }
        public Builder diskPath(Path v) { this.diskPath = v; return this; }
        public Builder serialLogPath(Path v) { this.serialLogPath = v; return this; }
        public Builder smbiosString(String v) { this.smbiosStrings.add(v); return this; }
        public Builder smbiosStrings(List<String> v) { this.smbiosStrings.addAll(v); return this; }
        public Builder network(NetworkMode v) { this.network = v; return this; }
        public Builder sshPort(Integer v) { this.sshPort = v; return this; }
        public Builder networkName(String v) { this.networkName = v; return this; }
        public Builder forward(HostForward v) { this.forwards.add(v); return this; }
        public Builder forwards(List<PortForward> v) { v.forEach(p -> forwards.add(HostForward.of(p))); return this; }
        public Builder virtiofsd(Path v) { this.virtiofsd = v; return this; }
        /** The program libvirt runs for a read-only folder: virtiofsd on a read-only bind mount of it (pb's wrapper). */
        public Builder virtiofsdReadOnly(Path v) { this.virtiofsdReadOnly = v; return this; }
        public Builder metadata(PbMetadata v) { this.metadata = v; return this; }
        public Builder cloudInitSeed(SeedDisk v) { this.cloudInitSeed = v; return this; }

        /** Shares a host folder; its tag is {@link SharedFolder#tag(int)} of its position. */
        public Builder sharedFolder(Path hostPath, String guestPath, boolean readOnly) {
            sharedFolders.add(new SharedFolder(hostPath, guestPath, readOnly, SharedFolder.tag(sharedFolders.size())));
            return this;
        }

        public Builder volumes(List<VolumeMount> v) {
            v.forEach(m -> sharedFolder(Path.of(m.getHostPath()), m.getGuestPath(), m.readOnly()));
            return this;
        }

        public DomainSpec build() {
            return new DomainSpec(name, memoryMiB, vcpus, accel, arch, firmware, tpm, nvramPath, diskPath,
                    serialLogPath, smbiosStrings, network, sshPort, forwards, sharedFolders, virtiofsd, virtiofsdReadOnly, cloudInitSeed,
                    metadata, networkName);
        }
    }
}
