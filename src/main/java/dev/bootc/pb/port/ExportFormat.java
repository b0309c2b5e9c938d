package dev.bootc.pb.port;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The format of an image {@code pb export} writes: one self-contained file, with no backing file, that another
 * hypervisor can boot. Constant names are the command line's values.
 */
public enum ExportFormat {
    /** QEMU/KVM, libvirt, Proxmox, OpenStack. */
    qcow2,
    /** Any hypervisor, dd to a real disk; sparse. */
    raw,
    /**
     * VMware Workstation, Fusion and Player, and VirtualBox: a monolithicSparse VMDK (one growable file), the kind they
     * attach and boot as it is. (A streamOptimized VMDK is the kind an OVA carries for vSphere: VirtualBox opens it
     * read-only and VMware's desktop products do not run on it, and qemu-img takes ten times as long to deflate it.)
     */
    vmdk;

    /** The format a file name asks for by its extension (.qcow2, .raw or .img, .vmdk), if it names one. */
    public static Optional<ExportFormat> ofExtension(Path file) {
        String n = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".qcow2")) return Optional.of(qcow2);
        if (n.endsWith(".raw") || n.endsWith(".img")) return Optional.of(raw);
        if (n.endsWith(".vmdk")) return Optional.of(vmdk);
        return Optional.empty();
    }

    /** The format for {@code file}: the one given, else its extension's, else qcow2. */
    public static ExportFormat forFile(ExportFormat given, Path file) {
        return given != null ? given : ofExtension(file).orElse(qcow2);
    }
}
