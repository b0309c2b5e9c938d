package dev.bootc.pb.faults;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.disk.BaseDiskBuilder;
import dev.bootc.pb.disk.LocalDisks;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.CloudInitSeed;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.ssh.GuestSsh;
import dev.bootc.pb.ssh.SshConnector;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.testing.WorldReadable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file pb makes for a VM (base disk, overlay, cloud-init seed, SSH keys, known_hosts, port
 * reservations, store YAML with inline user-data, events, locks) is its owner's alone, made through the
 * real classes with the real qemu-img and genisoimage (podman's install is faked). Folders are the owner's
 * too, but the disk folders, which others may pass through and not list: QEMU under qemu:///system runs
 * as libvirt-qemu, libvirt chowns a domain's disk files (measured: its backing chain, seed and NVRAM too)
 * but never the folders on their path.
 */
class PrivateFilesTest {
    static final Image IMAGE = new Image("localhost/pb-fixture:latest", "1083e899", "sha256:b15de600a0bcd9cf7b358f868ca4e3e05cb11e7e", 1L << 20);
    static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    static final Set<PosixFilePermission> PASS_THROUGH = Set.of(PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path tmp;

    /** podman plays bootc install (a partition table in the raw file); qemu-img and genisoimage are real. */
    final ProcessRunner runner = c -> {
        if (c.argv().get(0).equals("podman")) {
            if (c.argv().contains("to-disk")) bootSignature(Path.of(c.argv().get(c.argv().size() - 1).replace("/output", outputOf(c))));
            return new ProcessResult(c, 0, c.argv().contains("print-configuration") ? "{}" : "", "", Duration.ZERO, false);
        }
        return ProcessRunner.local().run(c);
    };

    @Test
    void whatPbWritesIsItsOwnersAloneAndOnlyDiskFoldersLetOthersPassThrough() throws IOException {
        Path images = tmp.resolve("images");
        Path data = tmp.resolve("data");
        Path storeDir = tmp.resolve("store");
        VmLayout layout = new VmLayout(data, images);
        VmKey key = new VmKey("default", "web");

        LocalDisks disks = new LocalDisks(runner, layout.baseDisks(), layout.vmDisks(), new BaseDiskBuilder(runner));
        BaseDisk base = disks.ensureBase(IMAGE, BaseDiskOptions.defaults(), Progress.none());
        disks.createOverlay(base.path(), layout.overlay(key), 20L << 30);
        disks.writeSeed(layout.cloudInitSeed(key), new CloudInitSeed(null, Map.of("user-data", "#cloud-config\npassword: hunter2\n"),
                Map.of("meta-data", "instance-id: web\n")));

        GuestSsh ssh = new GuestSsh(layout.ports());
        Ssh.SshKey sshKey = ssh.ensureKey(layout.vmDir(key), SshKeyType.ed25519, "pb web");
        ssh.reservePorts(key.toString(), null, List.of(new Ssh.HostPort(dev.bootc.pb.api.Protocol.tcp, 8080)));
        // /bin/true plays ssh: what is checked is the known_hosts file pb gives it
        new SshConnector(Path.of("/bin/true"), new PrintStream(PrintStream.nullOutputStream()))
                .run(new Ssh.Target("127.0.0.1", 2222, "root", sshKey.privateKey(), layout.knownHosts(key)), List.of("true"),
                        ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD);

        BootcVmSpec spec = new BootcVmSpec(IMAGE.reference());
        CloudInitSpec ci = new CloudInitSpec();
        ci.setUserData("#cloud-config\npassword: hunter2\n");
        spec.setCloudInit(ci);
        try (FileVmStore store = new FileVmStore(storeDir)) {
            BootcVm vm = store.create(new BootcVm(key.namespace(), key.name(), spec));
            new FileEventLog(layout.events()).record(vm, "Created", "BootcVm created", false);
        }
        HostLock.with(layout.locks().resolve("host.lock"), () -> null);

        List<String> wrong = new ArrayList<>();
        for (Path root : List.of(images, data, storeDir)) {
            try (Stream<Path> all = Files.walk(root)) {
                all.forEach(p -> {
                    Set<PosixFilePermission> open = modeOf(p);
                    open.retainAll(GROUP_OR_OTHERS);
                    // a disk folder, and no other, may let others pass through
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && p.startsWith(images)) open.removeAll(PASS_THROUGH);
                    if (!open.isEmpty()) wrong.add(PosixFilePermissions.toString(modeOf(p)) + " " + tmp.relativize(p));
                });
            }
        }
        assertEquals(List.of(), wrong, "files and folders others may use beyond passing through the disk folders");
        for (Path d = layout.overlay(key).getParent(); !d.equals(tmp); d = d.getParent()) {
            assertEquals("rwx--x--x", mode(d), "QEMU (libvirt-qemu) must pass through " + d);
        }
        WorldReadable.assertNone(List.of(images, data, storeDir), p -> false);
        assertTrue(Files.readString(storeDir.resolve("default/web.yaml")).contains("hunter2"), "the store file holds the user-data");
        assertTrue(Files.exists(layout.knownHosts(key)), "known_hosts is made by pb before ssh adds to it");
    }

    @Test
    void existingFoldersAreNeverWidenedAndOldWorldReadableStoreFilesAreNarrowedWhenRewritten() throws IOException {
        Path images = Files.createDirectory(tmp.resolve("images"));
        Files.setPosixFilePermissions(images, PosixFilePermissions.fromString("rwx------"));
        Path storeDir = Files.createDirectories(tmp.resolve("store/default"));
        Files.setPosixFilePermissions(storeDir, PosixFilePermissions.fromString("rwxr-x---"));
        VmLayout layout = new VmLayout(tmp.resolve("data"), images);
        LocalDisks disks = new LocalDisks(runner, layout.baseDisks(), layout.vmDisks(), new BaseDiskBuilder(runner));
        disks.createOverlay(disks.ensureBase(IMAGE, BaseDiskOptions.defaults(), Progress.none()).path(), layout.overlay(new VmKey("default", "a")), 20L << 30);
        assertEquals("rwx------", mode(images), "an admin's folder keeps its mode");

        try (FileVmStore store = new FileVmStore(tmp.resolve("store"))) {
            BootcVm vm = store.create(new BootcVm("default", "a", new BootcVmSpec(IMAGE.reference())));
            Path file = store.file("default", "a");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--")); // as an older pb left it
            vm.getSpec().setImage("localhost/other:1");
            store.update(vm);
            assertEquals("rw-------", mode(file));
        }
        assertEquals("rwxr-x---", mode(storeDir), "a folder that exists keeps its mode");
    }

    static String mode(Path p) {
        return PosixFilePermissions.toString(modeOf(p));
    }

    static Set<PosixFilePermission> modeOf(Path p) {
        try {
            return new java.util.HashSet<>(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The host folder podman would mount on /output. */
    static String outputOf(Command c) {
        String volume = c.argv().stream().filter(a -> a.endsWith(":/output")).findFirst().orElseThrow();
        return volume.substring(0, volume.length() - ":/output".length());
    }

    /** What bootc install leaves that pb checks: an MBR boot signature. */
    static void bootSignature(Path raw) {
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.seek(510);
            f.write(new byte[] {0x55, (byte) 0xAA});
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
