package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.ImageRefs;
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
import java.util.Optional;

/**
 * Builds a base disk: {@code bootc install to-disk} of the image onto a sparse raw file (by a
 * {@link DiskInstaller}: in a privileged container as podman-bootc does, or in an installer VM booted from the
 * image as bcvk does), then converted to qcow2.
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

    /** How the image gets installed onto the raw disk. */
    public enum Method {
        /** A privileged podman container on the host (root only; the faster under TCG). */
        container,
        /** A short-lived VM booted from the image (no root needed). */
        vm
    }

    private final ProcessRunner runner;
    /** The installer for an image: {@link ContainerInstaller} only for images trusted to run as root on this host. */
    private final java.util.function.Function<Image, DiskInstaller> installer;
    /** Every installer it may pick, for the leftovers of a dead build of either kind. */
    private final List<DiskInstaller> installers;
    private final Duration convertTimeout;

    static final Duration INSTALL_TIMEOUT = Duration.ofHours(1);
    static final Duration CONVERT_TIMEOUT = Duration.ofMinutes(30);

    /** The container method (root). */
    public BaseDiskBuilder(ProcessRunner runner) {
        this(runner, new ContainerInstaller(runner, INSTALL_TIMEOUT), CONVERT_TIMEOUT);
    }

    /**
     * @param method  how the host's configuration says to build (container: as root, the faster under TCG)
     * @param trusted whether an image (its reference) may run its own {@code bootc install} privileged on this host;
     *                an untrusted one is built in an installer VM whatever the method: inside a VM it owns nothing of the host
     */
    public static BaseDiskBuilder of(ProcessRunner runner, Method method, VmInstaller.Host host, java.util.function.Predicate<String> trusted) {
        DiskInstaller vm = new VmInstaller(runner, host, INSTALL_TIMEOUT);
        DiskInstaller container = method == Method.vm ? vm : new ContainerInstaller(runner, INSTALL_TIMEOUT);
        return new BaseDiskBuilder(runner, image -> trusted.test(image.reference()) ? container : vm,
                container == vm ? List.of(vm) : List.of(container, vm), CONVERT_TIMEOUT);
    }

    BaseDiskBuilder(ProcessRunner runner, DiskInstaller installer, Duration convertTimeout) {
        this(runner, image -> installer, List.of(installer), convertTimeout);
    }

    private BaseDiskBuilder(ProcessRunner runner, java.util.function.Function<Image, DiskInstaller> installer, List<DiskInstaller> installers,
                            Duration convertTimeout) {
        this.runner = runner;
        this.installer = installer;
        this.installers = installers;
        this.convertTimeout = convertTimeout;
    }

    /** The installer that builds this image's base disk. */
    DiskInstaller installerFor(Image image) {
        return installer.apply(image);
    }

    /**
     * Builds {@code workDir/disk.qcow2} from the image, logging every output line to {@code workDir/build.log}.
     * The raw file is removed afterwards; on any failure what the installer left (container, VM) is removed too.
     *
     * @param name the name of what the install runs, so a dead build's container or VM can be found and removed
     * @return the qcow2 file in workDir
     * @throws PbException {@link dev.bootc.pb.api.Failure#DiskBuildFailed} with the last lines of the build log
     */
    public Path build(Image image, BaseDiskOptions options, Path workDir, String name, Progress progress) {
        Path raw = workDir.resolve(RAW_NAME);
        Path qcow2 = workDir.resolve(QCOW2_NAME);
        Path log = workDir.resolve(LOG_NAME);
        long rawSize = rawSizeBytes(image.sizeBytes(), options);
        DiskInstaller installer = installerFor(image);
        boolean done = false;
        try {
            createSparse(raw, rawSize);
            Optional<String> failed = installer.install(image, options, workDir, rawSize, name, progress, log);
            if (failed.isPresent()) throw failure(image, failed.get() + spaceNote(workDir), log);
            if (!hasPartitionTable(raw)) {
                throw failure(image, "bootc install to-disk exited 0 but " + RAW_NAME + " holds no partition table", log);
            }
            progress.phase("Converting to qcow2");
            ProcessResult convert = runner.run(Command.of("qemu-img", "convert", "-O", "qcow2", raw.toString(), qcow2.toString())
                    .timeout(convertTimeout).onOutput((stream, line) -> progress.output(line)).log(log));
            if (!convert.ok()) throw failure(image, status(convert, "qemu-img convert") + spaceNote(workDir), log);
            done = true;
            return qcow2;
        } finally {
            if (!done) installer.removeLeftovers(name, workDir);
            deleteQuietly(raw);
        }
    }

    /** bootc install to-disk's options for these base disk options (the target comes after them). */
    static List<String> optionArgs(BaseDiskOptions options) {
        List<String> args = new ArrayList<>();
        if (options.filesystem() != null) args.addAll(List.of("--filesystem", options.filesystem().name()));
        if (options.rootSizeArgument() != null) args.addAll(List.of("--root-size", options.rootSizeArgument()));
        for (String karg : options.kernelArgs()) args.addAll(List.of("--karg", karg));
        return args;
    }

    /**
     * bootc's {@code --target-imgref}: the reference the installed system records in its origin, what {@code bootc
     * upgrade} follows; the VM's own, so that two references of one digest each get theirs (bcvk #138). podman looks
     * {@code name:tag@digest} up by the digest alone and a registry transport takes no tag beside a digest, so the tag
     * goes. An image ID is no reference: nothing is passed, and bootc records the image it installs (its default).
     */
    static List<String> targetArgs(Image image) {
        if (ImageRefs.fullId(image.reference()).isPresent()) return List.of();
        return List.of("--target-imgref", ImageRefs.digestOnly(image.reference()));
    }

    /** The phase an installer announces when bootc starts writing: "Installing IMAGE to a 10 GiB disk (bootc install to-disk[where])". */
    static String installing(Image image, long rawBytes, String where) {
        return "Installing " + image.reference() + " to a " + gib(rawBytes) + " disk (bootc install to-disk" + where + ")";
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

    /** Removes what a dead build of this name left: its container or installer VM, its loop device. */
    public void removeLeftovers(String name, Path workDir) {
        for (DiskInstaller i : installers) i.removeLeftovers(name, workDir);
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

    static String status(ProcessResult r, String what) {
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

    static String gib(long bytes) {
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
