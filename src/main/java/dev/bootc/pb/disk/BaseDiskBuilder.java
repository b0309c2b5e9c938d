package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.Durations;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a base disk the way podman-bootc does: {@code bootc install to-disk} run from the image itself in a
 * privileged podman container, into a sparse raw file, then converted to qcow2.
 */
public final class BaseDiskBuilder {
    public static final long MIN_RAW_BYTES = 10L << 30;
    /** Room next to a capped root partition for the ESP, /boot and the BIOS boot partition. */
    static final long BOOT_PARTITIONS_BYTES = 2L << 30;
    public static final String RAW_NAME = "disk.raw";
    public static final String QCOW2_NAME = "disk.qcow2";
    public static final String LOG_NAME = "build.log";
    static final int ERROR_TAIL_LINES = 20;
    /** Less free space than this where a build failed: it failed for want of space. */
    static final long FULL_BELOW_BYTES = 64L << 20;

    private final ProcessRunner runner;
    private final Duration installTimeout;
    private final Duration convertTimeout;

    public BaseDiskBuilder(ProcessRunner runner) {
        this(runner, Duration.ofHours(1), Duration.ofMinutes(30));
    }

    public BaseDiskBuilder(ProcessRunner runner, Duration installTimeout, Duration convertTimeout) {
        this.runner = runner;
        this.installTimeout = installTimeout;
        this.convertTimeout = convertTimeout;
    }

    /**
     * Builds {@code workDir/disk.qcow2} from the image, logging every output line to {@code workDir/build.log}.
     * The raw file is removed afterwards; on any failure the container is removed too.
     *
     * @param containerName the name of the install container, so a dead build's container can be found and removed
     * @return the qcow2 file in workDir
     * @throws PbException.Failed (DiskBuildFailed) with the last lines of the build log
     */
    public Path build(Image image, BaseDiskOptions options, Path workDir, String containerName, Progress progress) {
        Path raw = workDir.resolve(RAW_NAME);
        Path qcow2 = workDir.resolve(QCOW2_NAME);
        Path log = workDir.resolve(LOG_NAME);
        Command.OutputListener toProgress = (stream, line) -> progress.output(line);
        long rawSize = rawSizeBytes(image.sizeBytes(), options);
        boolean done = false;
        try {
            createSparse(raw, rawSize);
            progress.phase("Installing " + image.reference() + " to a " + gib(rawSize) + " disk (bootc install to-disk)");
            ProcessResult install = runner.run(Command.of(installCommand(image.reference(), workDir, options, containerName))
                    .timeout(installTimeout).onOutput(toProgress).log(log));
            if (!install.ok()) throw failure(image, status(install, "bootc install to-disk") + spaceNote(workDir), log);
            if (!hasPartitionTable(raw)) {
                throw failure(image, "bootc install to-disk exited 0 but " + RAW_NAME + " holds no partition table", log);
            }
            progress.phase("Converting to qcow2");
            ProcessResult convert = runner.run(Command.of("qemu-img", "convert", "-O", "qcow2", raw.toString(), qcow2.toString())
                    .timeout(convertTimeout).onOutput(toProgress).log(log));
            if (!convert.ok()) throw failure(image, status(convert, "qemu-img convert") + spaceNote(workDir), log);
            done = true;
            return qcow2;
        } finally {
            if (!done) removeContainer(containerName);
            deleteQuietly(raw);
        }
    }

    /**
     * The install command: podman-bootc's, plus a container name (to clean up after a killed build) and
     * {@code --pull=never} (the image was resolved already; a build never reaches for the network).
     */
    public static List<String> installCommand(String imageRef, Path outputDir, BaseDiskOptions options, String containerName) {
        // --user root:root: bootc must run as root, and some derived images set USER (podman-bootc learnt this)
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "--rm", "--name", containerName, "--pull=never",
                "--user", "root:root", "--privileged", "--pid=host", "--security-opt", "label=type:unconfined_t",
                "-v", "/var/lib/containers:/var/lib/containers", "-v", "/dev:/dev",
                "-v", outputDir.toAbsolutePath() + ":/output",
                imageRef,
                "bootc", "install", "to-disk", "--via-loopback", "--generic-image", "--skip-fetch-check"));
        if (options.filesystem() != null) cmd.addAll(List.of("--filesystem", options.filesystem().name()));
        if (options.rootSizeArgument() != null) cmd.addAll(List.of("--root-size", options.rootSizeArgument()));
        for (String karg : options.kernelArgs()) cmd.addAll(List.of("--karg", karg));
        cmd.add("/output/" + RAW_NAME);
        return cmd;
    }

    /**
     * The disk size asked for (refused when it cannot hold the image: 2 × image size, or root size +
     * boot partitions); without one, max(2 × image size, 10 GiB, root size + boot partitions). In whole MiB.
     */
    public static long rawSizeBytes(long imageSizeBytes, BaseDiskOptions options) {
        long needed = 2 * Math.max(0, imageSizeBytes);
        if (options.rootSizeBytes() != null) needed = Math.max(needed, options.rootSizeBytes() + BOOT_PARTITIONS_BYTES);
        long size;
        if (options.diskSizeBytes() != null) {
            if (options.diskSizeBytes() < needed) {
                throw Failure.InvalidDiskSize.with("disk size " + gib(options.diskSizeBytes()) + " cannot hold this image: give --disk-size "
                        + (needed + (1L << 30) - 1) / (1L << 30) + "G or more");
            }
            size = options.diskSizeBytes();
        } else {
            size = Math.max(needed, MIN_RAW_BYTES);
        }
        long mib = 1L << 20;
        return (size + mib - 1) / mib * mib;
    }

    /** Removes a build container, running or not; nothing happens when there is none. */
    public void removeContainer(String name) {
        runner.run(Command.of("podman", "rm", "--force", "--ignore", "--time", "0", name).timeout(Duration.ofMinutes(1)));
    }

    /**
     * Said while the build's files still fill the folder: an installer writing through a loop device sees
     * only I/O errors when the file system under its raw disk is full, so pb looks for itself.
     */
    static String spaceNote(Path workDir) {
        try {
            return Files.getFileStore(workDir).getUsableSpace() < FULL_BELOW_BYTES ? " (No space left on device in " + workDir.getParent() + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static PbException failure(Image image, String what, Path log) {
        String tail = logTail(log, ERROR_TAIL_LINES);
        return Failure.DiskBuildFailed.with("building the base disk of " + image.reference() + " failed: "
                + what + (tail.isEmpty() ? "" : "\n" + tail));
    }

    private static String status(ProcessResult r, String what) {
        return what + (r.timedOut() ? " timed out after " + Durations.human(r.command().timeout()) : " exited with " + r.exitCode());
    }

    static String logTail(Path log, int lines) {
        try {
            return Files.exists(log) ? ProcessResult.tail(Files.readString(log), lines) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void createSparse(Path raw, long size) {
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(size);
        } catch (IOException e) {
            throw Failure.DiskBuildFailed.with("cannot create " + raw + ": " + e.getMessage(), e);
        }
    }

    /** A written disk has an MBR boot signature (a GPT disk has it in its protective MBR). */
    static boolean hasPartitionTable(Path raw) {
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            if (f.length() < 512) return false;
            f.seek(510);
            return f.read() == 0x55 && f.read() == 0xAA;
        } catch (IOException e) {
            return false;
        }
    }

    private static String gib(long bytes) {
        double g = bytes / (double) (1L << 30);
        return g == Math.rint(g) ? (long) g + " GiB" : String.format("%.1f GiB", g);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the cache deletes the whole work folder afterwards
        }
    }
}
