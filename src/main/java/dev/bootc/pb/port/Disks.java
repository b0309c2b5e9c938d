package dev.bootc.pb.port;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The port to disk images on this host: cached base disks, per-VM disks (qcow2 overlays, raw copies), exports, and the files beside them. */
public interface Disks {

    /**
     * The base disk of the image with these options, built now when the cache has none (once, even
     * when several processes ask at the same time), its metadata recording {@code systemdVersion} (what was learnt
     * of the image's systemd; null: unknown), so a later look at the disk need not ask the image.
     * Fails with DiskBuildFailed and the build log's tail.
     */
    BaseDisk ensureBase(Image image, BaseDiskOptions options, Integer systemdVersion, Progress progress);

    /** {@link #ensureBase(Image, BaseDiskOptions, Integer, Progress)} with nothing known of the image's systemd. */
    default BaseDisk ensureBase(Image image, BaseDiskOptions options, Progress progress) {
        return ensureBase(image, options, null, progress);
    }

    boolean exists(Path file);

    /**
     * The host path with every link in it resolved (what virtiofsd or a reader would reach), so a tenant's path is
     * judged by where it really leads. Fails with FileNotFound when it does not exist.
     */
    Path realPath(Path path);

    /** A qcow2 overlay backed by {@code base}, never seen half-made. Fails with DiskTooSmall, DiskExists. */
    void createOverlay(Path base, Path overlay, long virtualSizeBytes);

    /**
     * A raw copy of {@code base} at {@code disk}: sparse, no backing file, never seen half-made, its copy's progress
     * as output lines. Fails with DiskTooSmall, DiskExists, BaseDiskNotFound, DiskCreateFailed.
     */
    void createRawCopy(Path base, Path disk, long virtualSizeBytes, Progress progress);

    /**
     * A VM's disk (qcow2 or raw, as its extension says) flattened into {@code file} in {@code format}: one image with no
     * backing file, 0600, put at {@code file} only when complete. Refused before anything is written: a link at
     * {@code file} (UnsafeFile), a file there unless {@code replace} (AlreadyExists), a folder or a special file
     * there (Invalid), a missing folder (FileNotFound). Fails with DiskNotFound, DiskCreateFailed.
     */
    void export(Path disk, Path file, ExportFormat format, boolean replace, Progress progress);

    /** Deletes a file; nothing happens when it is not there. */
    void delete(Path file);

    /** Deletes a folder with everything in it; nothing happens when it is not there. */
    void deleteFolder(Path folder);

    /** Every finished base disk, oldest first. */
    List<BaseDisk> baseDisks();

    /** Removes the base disks whose path is not in {@code inUse}; returns them. */
    List<BaseDisk> prune(Set<Path> inUse);

    /**
     * Makes the NoCloud seed {@code iso} (ISO 9660, volume label CIDATA) from {@code seed}, unless it
     * already holds exactly that content; returns a hash of the content. The seed is its owner's only (0600).
     * Fails with InvalidCloudInit (a folder that does not exist or holds none of the NoCloud files), UnsafeFile
     * (a link, or a file or folder of another user than root and pb's own), IsoToolMissing or SeedFailed.
     */
    String writeSeed(Path iso, CloudInitSeed seed);

    /**
     * The files a seed made from {@code seed} would hold, read now as {@link #writeSeed} reads them and written
     * nowhere: what refuses bad input before anything is made. Fails as writeSeed does on bad input
     * (InvalidCloudInit, UnsafeFile).
     */
    Map<String, String> readSeed(CloudInitSeed seed);

    /** Every overlay in the VM disk folder with its backing file (absolute). */
    Map<Path, Path> overlays();
}
