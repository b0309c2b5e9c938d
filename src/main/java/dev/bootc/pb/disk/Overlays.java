package dev.bootc.pb.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.PartialFile;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.os.Sweeps;
import dev.bootc.pb.port.Progress;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A VM's own disk: a qcow2 overlay on a base disk, instant to create whatever its virtual size; or a raw copy of
 * the base disk, sparse, with no backing file (podman-bootc's disk.raw), which takes seconds per GiB of data.
 */
public final class Overlays {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Copying a base disk's data: what its build may take too. */
    static final Duration COPY_TIMEOUT = Duration.ofHours(1);
    /** A creator takes milliseconds; a temp file this old belongs to one that died. */
    static final long STALE_TEMP_MILLIS = 60_000;
    /** A raw copy's partial folder this old (its file untouched so long) belongs to a pb that was killed. */
    static final long STALE_PARTIAL_MILLIS = 3_600_000;

    /** Made on first use: the verbs that only look (pb list, inspect) make Overlays but never call these. */
    private static final class Lazy {
        static final ObjectMapper JSON = new ObjectMapper();
        static final SecureRandom RANDOM = new SecureRandom();
    }

    private final ProcessRunner runner;
    private final Sweeps sweeps = new Sweeps(Duration.ofMillis(STALE_TEMP_MILLIS));

    public Overlays(ProcessRunner runner) {
        this.runner = runner;
    }

    /**
     * Creates {@code overlay} backed by {@code base} (absolute path) with the given virtual size, mode 0600 (libvirt
     * chowns it to QEMU's user at start) in disk folders ({@link FileModes#DISK_DIR} when pb makes them). It is
     * created under a temporary name and linked into place, so no half-written overlay is ever seen under its real name.
     *
     * @throws PbException {@link dev.bootc.pb.api.Failure#DiskExists}: the overlay exists already
     * @throws PbException {@link dev.bootc.pb.api.Failure#DiskTooSmall}: the size is below the base disk's
     * @throws PbException {@link dev.bootc.pb.api.Failure#BaseDiskNotFound}: the base disk is missing
     */
    public Path create(Path base, Path overlay, long virtualSizeBytes) {
        Path baseAbs = base.toAbsolutePath().normalize();
        Path target = overlay.toAbsolutePath().normalize();
        if (!Files.isRegularFile(baseAbs)) throw Failure.BaseDiskNotFound.with("base disk " + baseAbs + " does not exist");
        if (Files.exists(target)) throw Failure.DiskExists.with("disk " + target + " exists already");
        long baseSize = virtualSize(baseAbs);
        if (virtualSizeBytes < baseSize) throw tooSmall(virtualSizeBytes, baseSize);
        FileModes.diskFolders(target.getParent());
        if (sweeps.due(target.getParent())) removeStaleTemps(target);
        Path tmp = target.resolveSibling(tempPrefix(target) + HexFormat.of().formatHex(randomBytes()));
        try {
            // made 0600 first: qemu-img writes into a file that exists and keeps its mode, so the guest's disk is
            // never open to others, not even between qemu-img and a chmod (an fd opened then would read it forever)
            FileModes.privateFile(tmp);
            ProcessResult r = runner.run(Command.of("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                    "-b", baseAbs.toString(), tmp.toString(), Long.toString(virtualSizeBytes)).timeout(TIMEOUT));
            if (!r.ok()) throw Failure.DiskCreateFailed.with(r.failureMessage("qemu-img create " + target));
            FileModes.ownerOnly(tmp);
            // a hard link never replaces an existing file, unlike rename: two creators cannot overwrite each other
            Files.createLink(target, tmp);
            return target;
        } catch (FileAlreadyExistsException e) {
            throw Failure.DiskExists.with("disk " + target + " exists already");
        } catch (IOException e) {
            throw Failure.DiskCreateFailed.with("cannot create " + target + ": " + FileModes.reason(e), e);
        } finally {
            quietDelete(tmp);
        }
    }

    /**
     * Creates {@code disk}, a raw copy of {@code base} (a qcow2 base disk, absolute path) with the given virtual size:
     * sparse (qemu-img writes no zeroes), with no backing file, mode 0600, in disk folders as {@link #create}. The copy
     * is written in a private folder beside it and put in place only when complete and synced, so no half-written disk
     * is ever seen under its name; qemu-img's progress goes to {@code progress} as output lines.
     *
     * @throws PbException {@link dev.bootc.pb.api.Failure#DiskExists}: the disk exists already
     * @throws PbException {@link dev.bootc.pb.api.Failure#DiskTooSmall}: the size is below the base disk's
     * @throws PbException {@link dev.bootc.pb.api.Failure#BaseDiskNotFound}: the base disk is missing
     */
    public Path createRawCopy(Path base, Path disk, long virtualSizeBytes, Progress progress) {
        Path baseAbs = base.toAbsolutePath().normalize();
        Path target = disk.toAbsolutePath().normalize();
        if (!Files.isRegularFile(baseAbs)) throw Failure.BaseDiskNotFound.with("base disk " + baseAbs + " does not exist");
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw Failure.DiskExists.with("disk " + target + " exists already");
        long baseSize = virtualSize(baseAbs);
        if (virtualSizeBytes < baseSize) throw tooSmall(virtualSizeBytes, baseSize);
        FileModes.diskFolders(target.getParent());
        if (sweeps.due(target.getParent())) removeStaleTemps(target);
        requireSpace(target.getParent(), baseAbs);
        try (PartialFile part = PartialFile.beside(target)) {
            // -f: the base is pb's own qcow2, never probed; qemu-img convert skips zero clusters, so the copy stays sparse
            convert(Command.of("qemu-img", "convert", "-p", "-f", "qcow2", "-O", "raw", baseAbs.toString(), part.path().toString()),
                    "qemu-img convert " + baseAbs + " to " + target, progress);
            if (virtualSizeBytes > baseSize) {
                ProcessResult r = runner.run(Command.of("qemu-img", "resize", "-q", "-f", "raw", part.path().toString(),
                        Long.toString(virtualSizeBytes)).timeout(TIMEOUT));
                if (!r.ok()) throw Failure.DiskCreateFailed.with(r.failureMessage("qemu-img resize " + target));
            }
            part.publish(target, false);
            return target;
        } catch (FileAlreadyExistsException e) {
            throw Failure.DiskExists.with("disk " + target + " exists already");
        } catch (IOException e) {
            throw Failure.DiskCreateFailed.with("cannot create " + target + ": " + FileModes.reason(e), e);
        }
    }

    /**
     * Runs a qemu-img convert with {@code -p}, its progress lines ("(12.00/100%)") passed on; fails naming {@code what}:
     * DiskFull (terminal: trying again fills the folder again) when the folder ran out of space, else DiskCreateFailed.
     */
    void convert(Command command, String what, Progress progress) {
        ProcessResult r = runner.run(command.timeout(COPY_TIMEOUT).onOutput((stream, line) -> {
            if (!line.isBlank()) progress.output(line.strip());
        }));
        if (r.ok()) return;
        String message = r.failureMessage(what);
        throw (message.contains("No space left on device") ? Failure.DiskFull : Failure.DiskCreateFailed).with(message);
    }

    /**
     * Refuses a raw copy the folder cannot hold (DiskFull, before anything is written): it writes the base disk's data,
     * which its qcow2 file's size bounds; retried, a copy that fills the folder would only fill it again.
     */
    private static void requireSpace(Path folder, Path base) {
        try {
            long needed = Files.size(base);
            long free = Files.getFileStore(folder).getUsableSpace();
            if (free < needed) {
                throw Failure.DiskFull.with("not enough space in " + folder + " for a raw copy of the base disk: it needs about "
                        + BaseDiskCache.size(needed) + ", " + BaseDiskCache.size(free) + " free; free some space there, or use the"
                        + " qcow2 disk format (an overlay needs almost none)");
            }
        } catch (IOException e) {
            // unknown: qemu-img says when it runs out
        }
    }

    private static PbException tooSmall(long virtualSizeBytes, long baseSize) {
        return Failure.DiskTooSmall.with("disk size " + virtualSizeBytes + " bytes is smaller than the base disk's "
                + baseSize + " bytes (" + (baseSize >> 30) + "Gi): use at least " + ((baseSize + (1L << 30) - 1) >> 30) + "Gi");
    }

    /** The overlay's backing file as qemu-img reports it (absolute), or empty when it has none. Works on disks in use. */
    public Optional<Path> backingFile(Path overlay) {
        JsonNode info = info(overlay);
        String full = info.path("full-backing-filename").asText("");
        if (full.isEmpty()) full = info.path("backing-filename").asText("");
        if (full.isEmpty()) return Optional.empty();
        Path p = Path.of(full);
        return Optional.of(p.isAbsolute() ? p : overlay.toAbsolutePath().getParent().resolve(p).normalize());
    }

    /** The virtual size of a disk image in bytes. */
    public long virtualSize(Path image) {
        try {
            long fromHeader = Qcow2Header.virtualSize(image);
            if (fromHeader >= 0) return fromHeader;
        } catch (IOException e) {
            // fall back on qemu-img, which gives a better error
        }
        return info(image).path("virtual-size").asLong();
    }

    /** Bytes the image really takes on disk (qemu-img's actual-size), not its virtual size. */
    public long allocatedBytes(Path image) {
        return info(image).path("actual-size").asLong();
    }

    /** Deletes the overlay; returns false when there was none. */
    public boolean delete(Path overlay) {
        try {
            return Files.deleteIfExists(overlay);
        } catch (IOException e) {
            throw Failure.DiskDeleteFailed.with("cannot delete " + overlay + ": " + FileModes.reason(e), e);
        }
    }

    private JsonNode info(Path image) {
        if (!Files.exists(image)) throw Failure.DiskNotFound.with("disk " + image + " does not exist");
        // -U: read the header even while QEMU holds the image's write lock
        ProcessResult r = runner.run(Command.of("qemu-img", "info", "-U", "--output=json", image.toString()).timeout(TIMEOUT));
        if (!r.ok()) throw Failure.DiskInfoFailed.with(r.failureMessage("qemu-img info " + image));
        try {
            return Lazy.JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw Failure.DiskInfoFailed.with("qemu-img info " + image + " gave unreadable JSON: " + e.getMessage(), e);
        }
    }

    private static String tempPrefix(Path target) {
        return "." + target.getFileName() + ".tmp-";
    }

    /**
     * Temporary files of overlays in this folder left by creators that died between qemu-img and the
     * link (older than a creator takes), and partial raw copies of killed pbs (untouched for an hour: a copy
     * writes all along); swept at most once a {@link #STALE_TEMP_MILLIS} per folder.
     */
    private static void removeStaleTemps(Path target) {
        try (Stream<Path> s = Files.list(target.getParent())) {
            long now = System.currentTimeMillis();
            s.forEach(p -> {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.contains(".qcow2.tmp-") && modifiedBefore(p, now - STALE_TEMP_MILLIS)) quietDelete(p);
                if (PartialFile.isPartial(p) && newestModification(p) < now - STALE_PARTIAL_MILLIS) quietDeleteTree(p);
            });
        } catch (IOException ignored) {
            // a leftover temp file costs a few hundred bytes; never a reason to fail
        }
    }

    /** The latest change time of a partial folder or its file; now when it cannot be read (then it stays). */
    private static long newestModification(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            long newest = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toMillis();
            for (Path p : s.toList()) newest = Math.max(newest, Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis());
            return newest;
        } catch (IOException e) {
            return System.currentTimeMillis();
        }
    }

    private static void quietDeleteTree(Path p) {
        try {
            AtomicFiles.deleteTree(p);
        } catch (RuntimeException ignored) {
            // see removeStaleTemps
        }
    }

    private static boolean modifiedBefore(Path p, long millis) {
        try {
            return Files.getLastModifiedTime(p).toMillis() < millis;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[4];
        Lazy.RANDOM.nextBytes(b);
        return b;
    }

    private static void quietDelete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // see removeStaleTemps
        }
    }
}
