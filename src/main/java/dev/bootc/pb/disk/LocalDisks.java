package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.CloudInitSeed;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** {@link Disks} on this host: the base disk cache, VM disks and exports made with qemu-img, and plain files. */
public final class LocalDisks implements Disks {
    private final BaseDiskCache cache;
    private final Overlays overlays;
    private final Path vmDisks;
    private final SeedIso seeds;
    private final DiskExports exports;

    /**
     * @param baseDisks the cache folder
     * @param vmDisks   the folder of the VMs' overlays
     */
    public LocalDisks(ProcessRunner runner, Path baseDisks, Path vmDisks) {
        this(runner, baseDisks, vmDisks, new BaseDiskBuilder(runner));
    }

    public LocalDisks(ProcessRunner runner, Path baseDisks, Path vmDisks, BaseDiskBuilder builder) {
        this.cache = new BaseDiskCache(baseDisks, builder);
        this.overlays = new Overlays(runner);
        this.vmDisks = vmDisks;
        this.seeds = new SeedIso(runner);
        this.exports = new DiskExports(overlays);
    }

    @Override
    public String writeSeed(Path iso, CloudInitSeed seed) {
        return seeds.write(iso, seed);
    }

    @Override
    public Map<String, String> readSeed(CloudInitSeed seed) {
        return SeedIso.files(seed);
    }

    @Override
    public BaseDisk ensureBase(Image image, BaseDiskOptions options, Integer systemdVersion, Progress progress) {
        return cache.ensure(image, options, systemdVersion, progress);
    }

    @Override
    public boolean exists(Path file) {
        return Files.exists(file);
    }

    @Override
    public Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (java.nio.file.NoSuchFileException e) {
            throw Failure.FileNotFound.with(path + " does not exist on this host: create it, or name another folder");
        } catch (IOException e) {
            throw Failure.FileNotFound.with("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void createOverlay(Path base, Path overlay, long virtualSizeBytes) {
        overlays.create(base, overlay, virtualSizeBytes);
    }

    @Override
    public void createRawCopy(Path base, Path disk, long virtualSizeBytes, Progress progress) {
        overlays.createRawCopy(base, disk, virtualSizeBytes, progress);
    }

    @Override
    public void export(Path disk, Path file, ExportFormat format, boolean replace, Progress progress) {
        exports.export(disk, file, format, replace, progress);
    }

    @Override
    public void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw Failure.DiskDeleteFailed.with("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void deleteFolder(Path folder) {
        try {
            AtomicFiles.deleteTree(folder);
        } catch (UncheckedIOException e) {
            throw Failure.DiskDeleteFailed.with(e.getMessage(), e);
        }
    }

    @Override
    public List<BaseDisk> baseDisks() {
        return cache.list();
    }

    @Override
    public List<BaseDisk> prune(Set<Path> inUse) {
        return cache.prune(inUse);
    }

    @Override
    public Map<Path, Path> overlays() {
        Map<Path, Path> out = new LinkedHashMap<>();
        if (!Files.isDirectory(vmDisks)) return out;
        try (Stream<Path> s = Files.list(vmDisks)) {
            for (Path p : s.filter(x -> x.getFileName().toString().endsWith(".qcow2")).sorted().toList()) {
                overlays.backingFile(p).ifPresent(b -> out.put(p, b.toAbsolutePath().normalize()));
            }
        } catch (IOException e) {
            throw Failure.DiskFolderFailed.with("cannot list " + vmDisks + ": " + e.getMessage(), e);
        }
        return out;
    }
}
