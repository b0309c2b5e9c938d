package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.ImageRefs;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * bcvk's way, with no root anywhere: a short-lived VM boots the image itself (its kernel and initramfs from
 * {@code /usr/lib/modules/KVER/}, its root file system shared over virtiofs from a container made of the
 * image) and runs {@code bootc install to-disk} inside, reading the image from the host's container storage
 * (shared read-only) and writing onto the raw disk, a virtio disk of the VM. QEMU and virtiofsd run as the
 * user (virtiofsd in podman's user namespace, where the image's files have their owners); no
 * {@code --privileged}, no host /dev, no loop device.
 */
public final class VmInstaller implements DiskInstaller {
    /** The console line the guest ends with. */
    static final Pattern EXIT_LINE = Pattern.compile("pb-installer: exit (\\d+)");
    static final String SERIAL_LOG = "installer-serial.log";
    static final String HOST_SCRIPT = "installer-vm.sh";
    /** A kernel message on the console ("[   12.345678] ..."): kept in the serial log, not shown as progress. */
    static final Pattern KERNEL_LINE = Pattern.compile("\\s*\\[\\s*\\d+\\.\\d+\\]");
    static final String ROOT_TAG = "pbroot";
    static final int MEMORY_MIB = 2048;

    /**
     * What the installer VM needs of the host.
     *
     * @param accel     kvm or tcg
     * @param virtiofsd the virtiofsd program, if the host has one
     * @param root      whether pb runs as root (then no user namespace is needed for the image's files)
     */
    public record Host(Accel accel, HostArch arch, Optional<Path> virtiofsd, boolean root) {
    }

    private final ProcessRunner runner;
    private final Host host;
    private final Duration timeout;

    VmInstaller(ProcessRunner runner, Host host, Duration timeout) {
        this.runner = runner;
        this.host = host;
        this.timeout = timeout;
    }

    @Override
    public Optional<String> install(Image image, BaseDiskOptions options, Path workDir, long rawBytes, String name, Progress progress,
                                    Path log) {
        Path virtiofsd = host.virtiofsd().orElseThrow(() -> Failure.VirtiofsdMissing.with(
                "building a base disk without root needs virtiofsd, which this host lacks: run pb doctor --fix as root"));
        Storage storage = storage();
        String graphRoot = storage.graphRoot();
        writeGuestFiles(workDir, image, options, storage.driver());
        ProcessResult created = runner.run(Command.of("podman", "create", "--name", name, "--pull=never", "--network=none",
                image.reference(), "/bin/true").timeout(Duration.ofMinutes(2)).log(log));
        if (!created.ok()) return Optional.of(BaseDiskBuilder.status(created, "podman create (the installer VM's root file system)"));
        progress.phase("Booting an installer VM from " + image.reference() + " (bootc install to-disk runs inside it, "
                + (host.root() ? "not on this host)" : "no root needed)"));
        AtomicReference<Integer> guestExit = new AtomicReference<>();
        AtomicBoolean installing = new AtomicBoolean();
        try {
            ProcessResult r = runner.run(Command.of(command(name, workDir, virtiofsd, graphRoot))
                    .timeout(timeout).log(workDir.resolve(SERIAL_LOG)).onOutput((stream, line) -> {
                        if (!KERNEL_LINE.matcher(line).lookingAt()) progress.output(line); // the whole console is in the serial log
                        if (line.contains("pb-installer: installing") && installing.compareAndSet(false, true)) {
                            progress.phase(BaseDiskBuilder.installing(image, rawBytes, " in the installer VM"));
                        }
                        Matcher m = EXIT_LINE.matcher(line);
                        if (m.find()) guestExit.set(Integer.parseInt(m.group(1)));
                    }));
            appendSerialLog(workDir, log);
            if (r.timedOut()) return Optional.of(BaseDiskBuilder.status(r, "the installer VM"));
            if (r.exitCode() == 3) return Optional.of("the image has no kernel and initramfs in /usr/lib/modules/*/: it is not a bootc image");
            if (r.exitCode() == 4) return Optional.of("virtiofsd did not start (its log: " + ProcessResult.tail(r.stdout(), 3).strip() + ")");
            if (guestExit.get() == null) {
                return Optional.of("the installer VM stopped before bootc install to-disk ended (" + BaseDiskBuilder.status(r, "QEMU")
                        + "; its serial log: " + workDir.resolve(SERIAL_LOG).getFileName() + ")");
            }
            if (guestExit.get() != 0) return Optional.of("bootc install to-disk exited with " + guestExit.get() + " in the installer VM");
            progress.phase("Installer VM done");
            return Optional.empty();
        } finally {
            DiskInstaller.removeContainer(runner, name);
        }
    }

    /**
     * The whole command: the host script (written into the build folder; under podman unshare unless root) with
     * its arguments, then QEMU's. Every value is an argument of its own: no shell parses a command line.
     */
    List<String> command(String name, Path workDir, Path virtiofsd, String graphRoot) {
        List<String> cmd = new ArrayList<>();
        if (!host.root()) cmd.addAll(List.of("podman", "unshare"));
        cmd.addAll(List.of(workDir.resolve(HOST_SCRIPT).toString(), name, workDir.toString(), virtiofsd.toString(), graphRoot, "--"));
        cmd.addAll(qemu(workDir));
        return cmd;
    }

    /** QEMU's command line: the image's kernel on a virtiofs root, the raw disk as serial pbtarget, the console on stdout. */
    List<String> qemu(Path work) {
        int cpus = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        List<String> q = new ArrayList<>(List.of(host.arch().emulator(), "-name", "pb-installer", "-nodefaults", "-display", "none",
                "-no-reboot", "-machine", host.arch().machine() + ",accel=" + host.accel().name().toLowerCase(java.util.Locale.ROOT),
                "-cpu", host.accel() == Accel.KVM ? "host" : "max", "-smp", Integer.toString(cpus), "-m", MEMORY_MIB + "M",
                "-object", "memory-backend-memfd,id=mem,size=" + MEMORY_MIB + "M,share=on", "-numa", "node,memdev=mem",
                "-pidfile", work.resolve("installer.pid").toString(),
                "-kernel", work.resolve("vmlinuz").toString(), "-initrd", work.resolve("initramfs.img").toString(),
                "-append", "rootfstype=virtiofs root=" + ROOT_TAG + " rw console=" + (host.arch() == HostArch.X86_64 ? "ttyS0" : "ttyAMA0")
                        + " systemd.unit=pb-install.target systemd.show_status=error",
                "-chardev", "socket,id=root,path=" + work.resolve("root.sock"), "-device", "vhost-user-fs-pci,chardev=root,tag=" + ROOT_TAG,
                "-chardev", "socket,id=storage,path=" + work.resolve("storage.sock"), "-device", "vhost-user-fs-pci,chardev=storage,tag=pbstorage",
                "-drive", "file=" + work.resolve(BaseDiskBuilder.RAW_NAME) + ",format=raw,if=none,id=target,cache=unsafe,discard=unmap",
                "-device", "virtio-blk-pci,drive=target,serial=pbtarget",
                "-device", "virtio-rng-pci", "-serial", "stdio"));
        return q;
    }

    /** The guest's installer script and its two systemd units, in workDir/guest for the host script to copy in. */
    static void writeGuestFiles(Path workDir, Image image, BaseDiskOptions options, String storageDriver) {
        // containers-storage's own form of an image ID is @ID (containers/image's storage transport)
        String source = ImageRefs.fullId(image.reference()).map(id -> "@" + id).orElse(image.reference());
        List<String> args = new ArrayList<>(List.of("--generic-image", "--skip-fetch-check", "--source-imgref", "containers-storage:" + source));
        args.addAll(BaseDiskBuilder.targetArgs(image));
        args.addAll(BaseDiskBuilder.optionArgs(options));
        String script = resource("installer-guest.sh").replace("@DRIVER@", shellQuote(storageDriver))
                .replace("@ARGS@", args.stream().map(VmInstaller::shellQuote).collect(Collectors.joining(" ")));
        Path guest = workDir.resolve("guest");
        try {
            Path host = workDir.resolve(HOST_SCRIPT);
            Files.writeString(host, resource(HOST_SCRIPT));
            Files.setPosixFilePermissions(host, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(guest);
            Files.writeString(guest.resolve("install"), script);
            Files.writeString(guest.resolve("pb-install.service"), """
                    [Unit]
                    Description=pb installer VM: bootc install to-disk onto the target disk

                    [Service]
                    Type=oneshot
                    ExecStart=/usr/lib/pb-installer/install
                    StandardOutput=tty
                    StandardError=tty
                    TTYPath=/dev/console
                    """);
            Files.writeString(guest.resolve("pb-install.target"), """
                    [Unit]
                    Description=pb installer VM
                    Requires=pb-install.service
                    After=pb-install.service
                    AllowIsolate=yes
                    """);
        } catch (IOException e) {
            throw Failure.DiskBuildFailed.with("cannot write the installer VM's files in " + guest + ": " + FileModes.reason(e), e);
        }
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Where and how this user's podman keeps images (graph root, storage driver): the installer VM reads the image from there. */
    record Storage(String graphRoot, String driver) {
    }

    private Storage storage() {
        ProcessResult r = runner.run(Command.of("podman", "info", "--format", "{{.Store.GraphRoot}} {{.Store.GraphDriverName}}")
                .timeout(Duration.ofMinutes(1)));
        String[] words = r.stdout().strip().split("\\s+");
        if (!r.ok() || words.length != 2) {
            throw Failure.DiskBuildFailed.with("podman info failed, so pb cannot tell where podman keeps images: " + r.errorTail(5));
        }
        return new Storage(words[0], words[1]);
    }

    @Override
    public void removeLeftovers(String name, Path workDir) {
        // a dead pb's QEMU may still run: its pid file names it, and its command line names the build folder
        Path pidFile = workDir.resolve("installer.pid");
        try {
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).filter(h -> h.info().arguments().map(a -> String.join(" ", a).contains(workDir.toString())).orElse(false))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // no such VM
        }
        DiskInstaller.removeContainer(runner, name);
    }

    /** The serial log goes into the build log too, which pb keeps when a build fails. */
    private static void appendSerialLog(Path workDir, Path log) {
        try {
            Path serial = workDir.resolve(SERIAL_LOG);
            if (Files.exists(serial)) Files.writeString(log, "# the installer VM's console:\n" + Files.readString(serial),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the serial log itself is kept beside it
        }
    }

    static String resource(String name) {
        try (InputStream in = VmInstaller.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
