package dev.bootc.pb.api;

import java.nio.file.Path;

/**
 * The format of a VM's own disk, fixed when the disk is made. Constant names are the wire values, and
 * each is also the extension of the disk's file, which is how the file tells its format.
 */
public enum DiskFormat {
    /** A qcow2 overlay on the cached base disk: made in milliseconds, holds only what the guest changed. */
    qcow2,
    /** A sparse raw copy of the base disk, with no backing file (podman-bootc's disk.raw): made in seconds, self-contained. */
    raw;

    /** The file name extension of a disk of this format, with its dot. */
    public String extension() {
        return "." + name();
    }

    /** The format a disk file of pb's has, by its extension: .raw is raw, anything else qcow2 (what pb always wrote). */
    public static DiskFormat ofFile(Path file) {
        return file.getFileName().toString().endsWith(raw.extension()) ? raw : qcow2;
    }
}
