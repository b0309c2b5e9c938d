package dev.bootc.pb.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rootless base disk build: an installer VM, with no privileged container and no host /dev anywhere. */
class VmInstallerTest {
    static final Image IMAGE = new Image("localhost/pb-fixture:latest", "1083e899", "sha256:b15de6", 502_488_426L);
    static final VmInstaller.Host ROOTLESS = new VmInstaller.Host(Accel.TCG, HostArch.X86_64, Optional.of(Path.of("/usr/libexec/virtiofsd")), false);

    @TempDir
    Path tmp;

    private FakeRunner guestThatInstalls(int guestExit) {
        return new FakeRunner(c -> {
            if (FakeRunner.starts(c, "podman", "info")) return FakeRunner.Reply.ok("/home/u/.local/share/containers/storage vfs\n");
            if (FakeRunner.starts(c, "podman", "create")) return FakeRunner.Reply.ok("abc\n");
            if (FakeRunner.starts(c, "podman", "unshare")) {
                if (guestExit == 0) BaseDiskBuilderTest.writeBootSignature(tmp.resolve("disk.raw"));
                return FakeRunner.Reply.ok("pb-installer-host: booting the installer VM\n[    0.000000] Linux version 6.12\n"
                        + "pb-installer: installing\nInstalling image: docker://x\npb-installer: exit " + guestExit + "\n");
            }
            if (FakeRunner.starts(c, "podman", "rm")) return FakeRunner.Reply.ok("");
            if (FakeRunner.starts(c, "qemu-img", "convert")) return FakeRunner.Reply.ok("");
            throw new AssertionError("unexpected " + c.argv());
        });
    }

    private BaseDiskBuilder builder(FakeRunner runner, VmInstaller.Host host) {
        return new BaseDiskBuilder(runner, new VmInstaller(runner, host, Duration.ofHours(1)), Duration.ofMinutes(30));
    }

    @Test
    void theRootlessBuildUsesNoPrivilegedContainerAndNoHostDev() throws IOException {
        FakeRunner runner = guestThatInstalls(0);
        List<String> phases = new ArrayList<>();
        Path out = builder(runner, ROOTLESS).build(IMAGE, new BaseDiskOptions(Filesystem.xfs, null, List.of("quiet"), null), tmp, "pb-build-k-1",
                new Progress() {
                    @Override
                    public void phase(String phase) {
                        phases.add(phase);
                    }

                    @Override
                    public void output(String line) {
                    }
                });
        assertEquals(tmp.resolve("disk.qcow2"), out);
        for (List<String> call : runner.calls) {
            assertFalse(call.contains("--privileged"), "no privileged container: " + call);
            assertFalse(call.stream().anyMatch(a -> a.startsWith("/dev") || a.contains(":/dev") || a.contains("/dev:")), "no host /dev: " + call);
            assertFalse(call.stream().anyMatch(a -> a.contains("loop")), "no loop device: " + call);
            assertFalse(call.get(0).equals("sudo") || call.get(0).equals("pkexec"), "no root: " + call);
        }
        List<String> install = runner.calls.stream().filter(c -> c.get(0).equals("podman") && c.get(1).equals("unshare")).findFirst().orElseThrow();
        assertEquals(List.of("podman", "unshare", tmp.resolve("installer-vm.sh").toString()), install.subList(0, 3),
                "the image's files are read in podman's user namespace");
        assertTrue(Files.isExecutable(tmp.resolve("installer-vm.sh")));
        List<String> qemu = install.subList(install.indexOf("--") + 1, install.size());
        assertEquals("qemu-system-x86_64", qemu.get(0));
        assertTrue(qemu.contains("virtio-blk-pci,drive=target,serial=pbtarget"));
        assertTrue(String.join(" ", qemu).contains("rootfstype=virtiofs root=pbroot rw"));
        assertTrue(install.contains("/home/u/.local/share/containers/storage"), "the user's own container storage is shared");
        String guest = Files.readString(tmp.resolve("guest/install"));
        assertTrue(guest.contains("STORAGE_DRIVER='vfs' STORAGE_OPTS=additionalimagestore=/run/pb-storage bootc install"), guest);
        assertTrue(guest.contains("bootc install to-disk '--generic-image' '--skip-fetch-check' '--source-imgref' "
                + "'containers-storage:localhost/pb-fixture:latest' '--target-imgref' 'localhost/pb-fixture:latest' '--filesystem' 'xfs' "
                + "'--karg' 'quiet' \"$target\""), guest);
        assertEquals(List.of("Booting an installer VM from localhost/pb-fixture:latest (bootc install to-disk runs inside it, no root needed)",
                "Installing localhost/pb-fixture:latest to a 10 GiB disk (bootc install to-disk in the installer VM)", "Installer VM done",
                "Converting to qcow2"), phases);
        assertTrue(runner.calls.stream().anyMatch(c -> c.subList(0, 2).equals(List.of("podman", "rm"))), "the installer's container is removed");
    }

    @Test
    void anImageIdIsReadFromStorageByIdAndADigestPinIsTheOrigin() throws IOException {
        String id = "cd".repeat(32);
        String digest = "sha256:" + "ab".repeat(32);
        Files.createDirectories(tmp.resolve("by-id"));
        Files.createDirectories(tmp.resolve("pinned"));
        VmInstaller.writeGuestFiles(tmp.resolve("by-id"), new Image("sha256:" + id, id, digest, 1L << 30), BaseDiskOptions.defaults(), "vfs");
        String byId = Files.readString(tmp.resolve("by-id/guest/install"));
        assertTrue(byId.contains("'--source-imgref' 'containers-storage:@" + id + "'"), "containers-storage's form of an ID: " + byId);
        assertFalse(byId.contains("--target-imgref"), "an ID is no reference to follow: " + byId);
        VmInstaller.writeGuestFiles(tmp.resolve("pinned"), new Image("quay.io/f/os:1@" + digest, id, digest, 1L << 30), BaseDiskOptions.defaults(), "vfs");
        String pinned = Files.readString(tmp.resolve("pinned/guest/install"));
        assertTrue(pinned.contains("'--source-imgref' 'containers-storage:quay.io/f/os:1@" + digest + "' '--target-imgref' 'quay.io/f/os@" + digest + "'"),
                pinned);
    }

    @Test
    void aFailedInstallInTheGuestIsReportedWithTheConsole() {
        FakeRunner runner = guestThatInstalls(1);
        PbException e = assertThrows(PbException.class,
                () -> builder(runner, ROOTLESS).build(IMAGE, BaseDiskOptions.defaults(), tmp, "pb-build-k-2", Progress.none()));
        assertEquals("DiskBuildFailed", e.reason());
        assertTrue(e.getMessage().startsWith("building the base disk of localhost/pb-fixture:latest failed: bootc install to-disk exited with 1 "
                + "in the installer VM"), e.getMessage());
        assertTrue(e.getMessage().contains("pb-installer: exit 1"), "the console's tail is in the error: " + e.getMessage());
    }

    @Test
    void asRootTheSameVmRunsWithoutAUserNamespace() {
        VmInstaller vm = new VmInstaller(guestThatInstalls(0), new VmInstaller.Host(Accel.KVM, HostArch.X86_64, Optional.of(Path.of("/v")), true),
                Duration.ofHours(1));
        List<String> cmd = vm.command("n", tmp, Path.of("/v"), "/var/lib/containers/storage");
        assertEquals(tmp.resolve("installer-vm.sh").toString(), cmd.get(0));
        assertTrue(cmd.containsAll(List.of("-cpu", "host")) && cmd.contains("q35,accel=kvm"));
    }

    @Test
    void shellQuotingKeepsEveryArgumentWhole() {
        assertEquals("'a b'", VmInstaller.shellQuote("a b"));
        assertEquals("'it'\\''s'", VmInstaller.shellQuote("it's"));
    }
}
