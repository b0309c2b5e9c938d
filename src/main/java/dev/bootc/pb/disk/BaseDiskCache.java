package dev.bootc.pb.disk;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.Durations;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import static dev.bootc.pb.disk.CacheFiles.canonical;
import static dev.bootc.pb.disk.CacheFiles.deleteIfExists;
import static dev.bootc.pb.disk.CacheFiles.deleteTree;
import static dev.bootc.pb.disk.CacheFiles.force;
import static dev.bootc.pb.disk.CacheFiles.keepLog;
import static dev.bootc.pb.disk.CacheFiles.move;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The base disks of this host, one per (image digest, reference, build options), built once and shared by every VM of
 * that image reference. An entry is {@code KEY.qcow2} plus {@code KEY.json}; it appears by an atomic rename only when
 * complete, so a failed or killed build leaves no entry. A build runs in {@code KEY.build-NONCE/} under the
 * lock {@code KEY.lock}: a build folder whose lock is free belongs to a dead build and is removed.
 * The last build's log stays in {@code KEY.log}.
 */
public final class BaseDiskCache {
    /** Bump when the way base disks are built changes, so old entries stop matching (3: the VM's reference is the origin). */
    public static final int FORMAT_VERSION = 3;
    static final int KEY_HEX_CHARS = 16;
    static final String CONTAINER_PREFIX = "pb-build-";
    private static final Pattern BUILD_DIR = Pattern.compile("^([0-9a-f]{" + KEY_HEX_CHARS + "})\\.build-([0-9a-f]+)$");
    private static final Pattern ENTRY = Pattern.compile("^([0-9a-f]{" + KEY_HEX_CHARS + "})\\.qcow2$");

    /** Made on first use: pb list and inspect make a cache but never read an entry's metadata. */
    private static final class Lazy {
        static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        static final SecureRandom RANDOM = new SecureRandom();
    }
    /** File system overhead of a build (journal, partition table, ESP) and room to spare. */
    static final long SPACE_MARGIN_BYTES = 128L << 20;

    private final Path dir;
    private final BaseDiskBuilder builder;

    public BaseDiskCache(Path dir, BaseDiskBuilder builder) {
        this.dir = dir.toAbsolutePath().normalize();
        this.builder = builder;
    }

    public Path dir() {
        return dir;
    }

    /**
     * The cache key of a base disk: 16 hex characters of a SHA-256 over the digest, the reference it is installed for
     * and every build option. The reference is in it because the installed system records it as its origin (what
     * bootc upgrade follows): a second tag of one digest gets a disk of its own, not one following the first (bcvk #138).
     */
    public static String key(String digest, String reference, BaseDiskOptions options) {
        StringBuilder canonical = new StringBuilder()
                .append("pb-base-disk\n")
                .append("format=").append(FORMAT_VERSION).append('\n')
                .append("digest=").append(digest).append('\n')
                .append("reference=").append(reference).append('\n')
                .append("filesystem=").append(options.filesystem() == null ? "" : options.filesystem().name()).append('\n')
                .append("rootSize=").append(options.rootSizeBytes() == null ? "" : options.rootSizeBytes()).append('\n')
                .append("firmware=").append(options.firmware().name()).append('\n')
                .append("diskSize=").append(options.diskSizeBytes() == null ? "" : options.diskSizeBytes()).append('\n');
        // kernel arguments hold no whitespace (validated), so one per line is unambiguous; order is kept
        for (String karg : options.kernelArgs()) canonical.append("karg=").append(karg).append('\n');
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, KEY_HEX_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The base disk of this image and these options, built now if the cache has none. Concurrent calls for the
     * same key, from threads or processes, build it once; the others wait and reuse it.
     *
     * @throws PbException {@link dev.bootc.pb.api.Failure#DiskBuildFailed} with the end of the build log
     */
    public BaseDisk ensure(Image image, BaseDiskOptions options, Progress progress) {
        return ensure(image, options, null, progress);
    }

    /**
     * As {@link #ensure(Image, BaseDiskOptions, Progress)}, the metadata recording the major version of the image's systemd
     * (null: unknown); an entry built before it was known learns it now.
     */
    public BaseDisk ensure(Image image, BaseDiskOptions options, Integer systemdVersion, Progress progress) {
        Progress p = progress == null ? Progress.none() : progress;
        String key = key(image.digest(), image.reference(), options);
        FileModes.diskFolders(dir);
        removeDeadBuilds();
        Optional<BaseDisk> cached = find(key);
        boolean wasCached = cached.isPresent();
        if (wasCached && (systemdVersion == null || systemdVersion.equals(cached.get().systemdVersion()))) {
            p.phase("Using cached base disk " + key);
            return cached.get();
        }
        try (HostLock lock = HostLock.acquire(lockFile(key), () -> p.phase("Waiting for another build of base disk " + key))) {
            cached = find(key);
            if (cached.isPresent()) {
                p.phase(wasCached ? "Using cached base disk " + key : "Using base disk " + key + " built meanwhile");
                return remember(cached.get(), systemdVersion);
            }
            removeDeadBuilds(key);
            removeEntryFiles(key);
            long needed = spaceNeeded(image);
            long free = usableSpace();
            if (free >= 0 && free < needed) throw full(image, "it needs about " + size(needed) + ", " + size(free) + " free");
            return build(key, image, options, systemdVersion, p, free);
        }
    }

    /** With the key's lock held: the entry's metadata records what is now known of its systemd (best effort). */
    private BaseDisk remember(BaseDisk disk, Integer systemdVersion) {
        if (systemdVersion == null || systemdVersion.equals(disk.systemdVersion())) return disk;
        try {
            Metadata m = Lazy.JSON.readValue(metadata(disk.key()).toFile(), Metadata.class).withSystemdVersion(systemdVersion);
            AtomicFiles.write(metadata(disk.key()), Lazy.JSON.writeValueAsBytes(m), null);
            return m.toBaseDisk(disk.path(), disk.sizeOnDiskBytes(), disk.builtNow());
        } catch (IOException | RuntimeException e) {
            return disk; // learnt again next time
        }
    }

    /** The finished base disk with this key, if any. */
    public Optional<BaseDisk> find(String key) {
        Path qcow2 = qcow2(key);
        Path meta = metadata(key);
        if (!Files.isRegularFile(qcow2) || !Files.isRegularFile(meta)) return Optional.empty();
        try {
            Metadata m = Lazy.JSON.readValue(meta.toFile(), Metadata.class);
            if (m.formatVersion() != FORMAT_VERSION || !key.equals(m.key())) return Optional.empty();
            return Optional.of(m.toBaseDisk(qcow2, Files.size(qcow2), false));
        } catch (NoSuchFileException e) {
            return Optional.empty(); // pruned meanwhile
        } catch (IOException e) {
            return Optional.empty(); // unreadable metadata: the next ensure rebuilds under the lock
        }
    }

    /** Every finished base disk, oldest first. */
    public List<BaseDisk> list() {
        List<BaseDisk> out = new ArrayList<>();
        for (Path p : children()) {
            Matcher m = ENTRY.matcher(p.getFileName().toString());
            if (m.matches()) find(m.group(1)).ifPresent(out::add);
        }
        out.sort(Comparator.comparing(BaseDisk::created).thenComparing(BaseDisk::key));
        return out;
    }

    /**
     * Removes every base disk that no VM uses, and leftovers of dead builds. A base disk being built is kept.
     *
     * @param inUse the backing files of the VMs' overlays
     * @return the base disks removed
     */
    public List<BaseDisk> prune(Set<Path> inUse) {
        Set<Path> used = new java.util.HashSet<>();
        for (Path p : inUse) used.add(canonical(p));
        removeDeadBuilds();
        List<BaseDisk> removed = new ArrayList<>();
        for (BaseDisk disk : list()) {
            if (used.contains(canonical(disk.path()))) continue;
            Optional<HostLock> lock = HostLock.tryAcquire(lockFile(disk.key()));
            if (lock.isEmpty()) continue;
            try (HostLock held = lock.get()) {
                removeEntryFiles(disk.key());
                deleteIfExists(logFile(disk.key()));
                removed.add(disk);
            }
        }
        return removed;
    }

    /** Removes the folders, containers and loop devices of builds whose process is gone. Returns how many. */
    public int removeDeadBuilds() {
        Map<String, List<Path>> byKey = new LinkedHashMap<>();
        for (Path p : children()) {
            Matcher m = BUILD_DIR.matcher(p.getFileName().toString());
            if (m.matches()) byKey.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(p);
        }
        int removed = 0;
        for (Map.Entry<String, List<Path>> e : byKey.entrySet()) {
            Optional<HostLock> lock = HostLock.tryAcquire(lockFile(e.getKey()));
            if (lock.isEmpty()) continue; // a live build
            try (HostLock held = lock.get()) {
                removed += removeBuildDirs(e.getValue());
            }
        }
        return removed;
    }

    /** With the key's lock held: every build folder of the key is dead. */
    private void removeDeadBuilds(String key) {
        List<Path> dirs = new ArrayList<>();
        for (Path p : children()) {
            Matcher m = BUILD_DIR.matcher(p.getFileName().toString());
            if (m.matches() && m.group(1).equals(key)) dirs.add(p);
        }
        removeBuildDirs(dirs);
    }

    private int removeBuildDirs(List<Path> dirs) {
        for (Path d : dirs) {
            Matcher m = BUILD_DIR.matcher(d.getFileName().toString());
            if (!m.matches()) continue;
            // the podman client may be dead while its container still writes into the folder
            builder.removeLeftovers(containerName(m.group(1), m.group(2)), d);
            deleteTree(d);
        }
        return dirs.size();
    }

    private BaseDisk build(String key, Image image, BaseDiskOptions options, Integer systemdVersion, Progress p, long freeBefore) {
        String nonce = HexFormat.of().formatHex(randomBytes());
        Path work = dir.resolve(key + ".build-" + nonce);
        long start = System.nanoTime();
        try {
            // the owner's alone: the build runs as root (or as the user, rootless), and QEMU reads only the finished disk
            Files.createDirectory(work, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(FileModes.PRIVATE_DIR));
        } catch (IOException e) {
            throw Failure.DiskBuildFailed.with("cannot create " + work + ": " + FileModes.reason(e), e);
        }
        try {
            Path built = builder.build(image, options, work, containerName(key, nonce), p);
            long virtual = Qcow2Header.virtualSize(built);
            // 0600: libvirt chowns a domain's whole backing chain to QEMU's user at start (measured), and leaves it so
            FileModes.ownerOnly(built);
            force(built);
            Instant created = Instant.now();
            Metadata meta = new Metadata(FORMAT_VERSION, key, image.reference(), image.digest(), image.id(),
                    options.filesystem(), options.rootSizeBytes(), options.kernelArgs(), options.firmware(), options.diskSizeBytes(), virtual,
                    created.toString(), Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0, systemdVersion);
            Path metaTmp = work.resolve("metadata.json");
            FileModes.privateFile(metaTmp);
            Files.write(metaTmp, Lazy.JSON.writeValueAsBytes(meta));
            force(metaTmp);
            // metadata first, the disk last: the disk's appearance is what makes the entry exist
            move(metaTmp, metadata(key));
            move(built, qcow2(key));
            force(dir);
            p.phase("Base disk " + key + " ready in " + Durations.human(Duration.ofNanos(System.nanoTime() - start)));
            return meta.toBaseDisk(qcow2(key), Files.size(qcow2(key)), true);
        } catch (PbException e) {
            if (ranOutOfSpace(e.getMessage())) throw ranOut(image, freeBefore);
            throw e.failure().with(e.getMessage() + "\n(build log: " + logFile(key) + ")", e);
        } catch (IOException e) {
            if (ranOutOfSpace(FileModes.reason(e))) throw ranOut(image, freeBefore);
            throw Failure.DiskBuildFailed.with("building the base disk of " + image.reference() + " failed: "
                    + FileModes.reason(e) + " (build log: " + logFile(key) + ")", e);
        } finally {
            keepLog(work.resolve(BaseDiskBuilder.LOG_NAME), logFile(key));
            try {
                deleteTree(work);
            } catch (PbException e) {
                // the folder's lock is released below, so the next run removes it as a dead build's
            }
        }
    }

    /**
     * What a build needs in the cache folder at its peak: the installed tree in the raw file and its copy
     * in the qcow2 (each about the image's size), plus file system overhead.
     */
    static long spaceNeeded(Image image) {
        return 2 * Math.max(0, image.sizeBytes()) + SPACE_MARGIN_BYTES;
    }

    /** Free space in the cache folder for pb (root's reserve excluded), or -1 when it cannot be told. */
    private long usableSpace() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Whether a failed build failed for want of space: the error says so (the builder adds it when it found
     * the folder full), or the folder is full still.
     */
    private boolean ranOutOfSpace(String message) {
        if (message != null && (message.contains("No space left on device") || message.contains("ENOSPC"))) return true;
        long free = usableSpace();
        return free >= 0 && free < BaseDiskBuilder.FULL_BELOW_BYTES;
    }

    /** One line: the folder and the space a build needs; nothing was kept of the build. */
    private PbException full(Image image, String space) {
        return Failure.DiskFull.with("not enough space in " + dir + " to build the base disk of " + image.reference() + ": " + space
                + "; free some space there (pb cache prune removes unused base disks)");
    }

    /** A build that filled the folder: it needs more than was free when it started. */
    private PbException ranOut(Image image, long freeBefore) {
        return full(image, freeBefore < 0 ? "it filled the file system" : "it needs more than the " + size(freeBefore) + " that were free");
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30) return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        return (bytes >> 20) + " MiB";
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[4];
        Lazy.RANDOM.nextBytes(b);
        return b;
    }

    static String containerName(String key, String nonce) {
        return CONTAINER_PREFIX + key + "-" + nonce;
    }

    Path qcow2(String key) {
        return dir.resolve(key + ".qcow2");
    }

    Path metadata(String key) {
        return dir.resolve(key + ".json");
    }

    Path logFile(String key) {
        return dir.resolve(key + ".log");
    }

    Path lockFile(String key) {
        return dir.resolve(key + ".lock");
    }

    private void removeEntryFiles(String key) {
        // the disk first: without it, the entry no longer exists even if the metadata outlives a crash
        deleteIfExists(qcow2(key));
        deleteIfExists(metadata(key));
    }

    private List<Path> children() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw Failure.DiskFolderFailed.with("cannot list " + dir + ": " + FileModes.reason(e), e);
        }
    }

    /** What {@code KEY.json} holds. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Metadata(int formatVersion, String key, String image, String digest, String imageId, Filesystem filesystem,
                    Long rootSizeBytes, List<String> kernelArgs, Firmware firmware, Long diskSizeBytes, long virtualSizeBytes, String created,
                    double buildSeconds, Integer systemdVersion) {
        BaseDisk toBaseDisk(Path path, long sizeOnDisk, boolean builtNow) {
            return new BaseDisk(key, path, image, digest, imageId, new BaseDiskOptions(filesystem, rootSizeBytes, kernelArgs, firmware, diskSizeBytes),
                    virtualSizeBytes, sizeOnDisk, Instant.parse(created), builtNow, systemdVersion);
        }

        Metadata withSystemdVersion(Integer value) {
            return new Metadata(formatVersion, key, image, digest, imageId, filesystem, rootSizeBytes, kernelArgs, firmware, diskSizeBytes,
                    virtualSizeBytes, created, buildSeconds, value);
        }
    }
}
