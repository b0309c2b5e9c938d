package dev.bootc.pb.disk;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.Firmware;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A built base disk boots: QEMU (TCG) started directly on an overlay, under UEFI (OVMF without secure boot) and
 * BIOS (SeaBIOS), until the serial console shows a login prompt and sshd answers on the forwarded port.
 */
@Tag("vm")
class BaseDiskBootTest {
    static final long BOOT_TIMEOUT_MS = 300_000;

    @TempDir
    static Path dir;
    static BaseDisk base;

    @BeforeAll
    static void build() {
        Fixture.ensureImage();
        ProcessRunner local = ProcessRunner.local();
        ResolvedImage image = new ImageResolver(local).resolve(Fixture.IMAGE, PullPolicy.never, ProgressListener.none());
        base = new BaseDiskCache(dir.resolve("base"), new BaseDiskBuilder(local), local)
                .ensure(image, BaseDiskOptions.defaults(), ProgressListener.printingTo(System.out, false));
    }

    @ParameterizedTest
    @EnumSource(Firmware.class)
    void baseDiskBoots(Firmware firmware) throws Exception {
        Path vm = dir.resolve("vm-" + firmware);
        Path disk = new Overlays(ProcessRunner.local()).create(base.path(), vm.resolve("disk.qcow2"), 20L << 30);
        Path serial = vm.resolve("serial.log");
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "1024", "-smp", "2",
                "-nodefaults", "-display", "none", "-serial", "file:" + serial,
                "-drive", "file=" + disk + ",if=virtio,format=qcow2",
                "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:" + port + "-:22", "-device", "virtio-net-pci,netdev=n0"));
        if (firmware == Firmware.uefi) {
            Path vars = Files.copy(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), vm.resolve("vars.fd"), StandardCopyOption.REPLACE_EXISTING);
            cmd.addAll(List.of("-drive", "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
                    "-drive", "if=pflash,format=raw,file=" + vars));
        }
        Process qemu = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(vm.resolve("qemu.out").toFile()).start();
        long start = System.nanoTime();
        try {
            boolean login = false;
            String banner = null;
            while ((System.nanoTime() - start) / 1_000_000 < BOOT_TIMEOUT_MS && qemu.isAlive() && (!login || banner == null)) {
                if (!login && Files.exists(serial) && Files.readString(serial, StandardCharsets.ISO_8859_1).contains("login:")) {
                    login = true;
                    System.out.printf("%s: login prompt on the serial console after %.1f s%n", firmware, (System.nanoTime() - start) / 1e9);
                }
                if (banner == null) banner = sshBanner(port);
                if (banner != null) System.out.printf("%s: sshd answers '%s' after %.1f s%n", firmware, banner, (System.nanoTime() - start) / 1e9);
                Thread.sleep(1000);
            }
            String tail = Files.exists(serial) ? ProcessResult.tail(Files.readString(serial, StandardCharsets.ISO_8859_1), 30) : "(no serial log)";
            assertTrue(login, firmware + ": no login prompt; qemu alive " + qemu.isAlive() + "; serial log:\n" + tail
                    + "\nqemu: " + Files.readString(vm.resolve("qemu.out")));
            assertTrue(banner != null && banner.startsWith("SSH-2.0-"), firmware + ": sshd did not answer; serial:\n" + tail);
        } finally {
            qemu.destroyForcibly().waitFor();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The first line sshd sends, or null while nothing answers (QEMU accepts the connection itself, then closes it). */
    static String sshBanner(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(3000);
            InputStream in = s.getInputStream();
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n' && b.length() < 200) b.append((char) c);
            String line = b.toString().strip();
            return line.startsWith("SSH-") ? line : null;
        } catch (IOException e) {
            return null;
        }
    }
}
