package dev.bootc.pb.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installer VM's host script (installer-vm.sh) run for real on an image root made hostile: every path it takes
 * from the image resolves inside the image, and the container storage it shares is read-only on the host's side.
 * Only podman, virtiofsd and QEMU are stand-ins (podman mount prints the prepared root; virtiofsd records whether
 * it could write its folder; QEMU exits 0). Needs root (the read-only share is a bind mount), as CI runs.
 */
class InstallerHostScriptTest {
    @TempDir
    Path tmp;
    Path root;
    Path work;
    Path bin;
    Path storage;
    Path hostSecret;
    Path hostCron;

    @BeforeEach
    void setUp() throws IOException {
        assertEquals("root", System.getProperty("user.name"), "the read-only share is a bind mount: run the tests as root");
        root = Files.createDirectories(tmp.resolve("image-root"));
        work = Files.createDirectories(tmp.resolve("work"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        storage = Files.createDirectories(tmp.resolve("storage"));
        hostSecret = Files.writeString(tmp.resolve("host-secret"), "the host's secret\n");
        hostCron = Files.createDirectories(tmp.resolve("host-cron.hourly"));
        Path guest = Files.createDirectories(work.resolve("guest"));
        Files.writeString(guest.resolve("install"), "#!/bin/sh\necho install\n");
        Files.writeString(guest.resolve("pb-install.service"), "[Unit]\n");
        Files.writeString(guest.resolve("pb-install.target"), "[Unit]\n");
        Files.writeString(work.resolve(VmInstaller.HOST_SCRIPT), resource());
        executable(work.resolve(VmInstaller.HOST_SCRIPT));
        executable(Files.writeString(bin.resolve("podman"), "#!/bin/sh\n[ \"$1\" = mount ] && echo " + root + "\n"));
        // virtiofsd: says whether its folder is writable from where it runs, then waits to be killed
        executable(Files.writeString(bin.resolve("virtiofsd"), """
                #!/bin/sh
                [ "$1" = --help ] && exit 0
                for a in "$@"; do case $a in source=*) dir=${a#source=} ;; esac; done
                tag=$(basename "$dir")
                if touch "$dir/.pb-probe" 2>/dev/null; then echo writable > "%s/$tag.seen"; rm -f "$dir/.pb-probe"; else echo read-only > "%s/$tag.seen"; fi
                exec sleep 60
                """.formatted(tmp, tmp)));
    }

    @Test
    void pathsTakenFromTheImageResolveInsideItAndTheStorageIsSharedReadOnly() throws Exception {
        Path modules = Files.createDirectories(root.resolve("usr/lib/modules/6.12.0"));
        Files.writeString(modules.resolve("vmlinuz"), "the image's kernel\n");
        Files.writeString(modules.resolve("initramfs.img"), "the image's initramfs\n");
        // an image that would have root pb install a cron job on the host, and whose units folder climbs out with ..
        Files.createSymbolicLink(root.resolve("usr/lib/pb-installer"), hostCron);
        Files.createDirectories(root.resolve("etc/systemd"));
        Files.createSymbolicLink(root.resolve("etc/systemd/system"), Path.of("../../../host-cron.hourly")); // from the host: tmp/host-cron.hourly

        Result r = run();
        assertEquals(0, r.exit, r.out);
        assertEquals(List.of(), list(hostCron), "nothing written into the host's folder the image's links name");
        assertTrue(Files.isRegularFile(root.resolve(tmp.toString().substring(1)).resolve("host-cron.hourly/install")),
                "the installer went inside the image, where its absolute link resolves there");
        assertTrue(Files.isRegularFile(root.resolve(tmp.relativize(hostCron)).resolve("pb-install.service")),
                "the units went inside the image, where its .. link stops at the image's root");
        assertEquals("the image's kernel\n", Files.readString(work.resolve("vmlinuz")));
        assertEquals("read-only\n", Files.readString(tmp.resolve("storage.seen")), "the container storage is read-only on the host's side");
        assertEquals("writable\n", Files.readString(tmp.resolve("image-root.seen")), "the installer's own root stays writable");
    }

    @Test
    void aKernelThatLinksToAHostFileIsNotCopiedOut() throws Exception {
        Path modules = Files.createDirectories(root.resolve("usr/lib/modules/6.12.0"));
        Files.createSymbolicLink(modules.resolve("vmlinuz"), hostSecret);
        Files.createSymbolicLink(modules.resolve("initramfs.img"), hostSecret);

        Result r = run();
        assertEquals(3, r.exit, "no kernel inside the image: " + r.out);
        assertFalse(Files.exists(work.resolve("vmlinuz")), "the host's file never reached the build folder (and the guest)");
    }

    @Test
    void aModulesFolderThatLinksOutOfTheImageIsReadInsideIt() throws Exception {
        Path hostModules = Files.createDirectories(tmp.resolve("host-modules/6.1.0"));
        Files.writeString(hostModules.resolve("vmlinuz"), "the host's kernel\n");
        Files.writeString(hostModules.resolve("initramfs.img"), "the host's initramfs\n");
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createSymbolicLink(root.resolve("usr/lib/modules"), hostModules.getParent());

        Result r = run();
        assertEquals(3, r.exit, r.out);
        assertFalse(Files.exists(work.resolve("vmlinuz")));
    }

    record Result(int exit, String out) {
    }

    private Result run() throws Exception {
        // the sockets QEMU would connect to: made here, so the script's wait for virtiofsd ends at once
        List<ServerSocketChannel> sockets = new ArrayList<>();
        for (String tag : List.of("root", "storage")) {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(work.resolve(tag + ".sock")));
            sockets.add(s);
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(work.resolve(VmInstaller.HOST_SCRIPT).toString(), "pb-build-x", work.toString(),
                    bin.resolve("virtiofsd").toString(), storage.toString(), "--", "sh", "-c", "sleep 0.5; exit 0").redirectErrorStream(true);
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
            return new Result(p.exitValue(), out);
        } finally {
            for (ServerSocketChannel s : sockets) s.close();
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void executable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String resource() throws IOException {
        try (InputStream in = VmInstaller.class.getResourceAsStream(VmInstaller.HOST_SCRIPT)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
