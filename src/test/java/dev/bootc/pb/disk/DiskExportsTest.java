package dev.bootc.pb.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.port.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static dev.bootc.pb.disk.RawCopyTest.GIB;
import static dev.bootc.pb.disk.RawCopyTest.MIB;
import static dev.bootc.pb.disk.RawCopyTest.allocatedBytes;
import static dev.bootc.pb.disk.RawCopyTest.host;
import static dev.bootc.pb.disk.RawCopyTest.names;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pb export's file, made by the real qemu-img from a real overlay on a real base disk: one self-contained image in
 * each format that qemu-img check and info accept, holding what the VM's disk holds; never written through a link,
 * over a file unless asked, or left half-written (a failing qemu-img, SIGTERM; a SIGKILL leaves only a folder named
 * as partial).
 */
class DiskExportsTest {
    @TempDir
    Path tmp;

    final Overlays overlays = new Overlays(ProcessRunner.local());
    final DiskExports exports = new DiskExports(overlays);

    /** A VM's qcow2 overlay of 2 GiB on a 1 GiB base: the base's data at 100 MiB, the VM's own 4 MiB at 500 MiB. */
    Path vmDisk() {
        Path base = RawCopyTest.base(tmp, "1G");
        Path overlay = overlays.create(base, tmp.resolve("vms/default_web.qcow2"), 2 * GIB);
        host("qemu-io", "-f", "qcow2", "-c", "write -P 0x77 500M 4M", overlay.toString());
        return overlay;
    }

    static JsonNode info(String format, Path file) throws IOException {
        return new ObjectMapper().readTree(host("qemu-img", "info", "-f", format, "--output=json", file.toString()));
    }

    @Test
    void eachFormatIsOneSelfContainedImageThatHoldsTheVmsDisk() throws Exception {
        Path disk = vmDisk();
        Path out = Files.createDirectory(tmp.resolve("out"));
        for (ExportFormat f : ExportFormat.values()) {
            Path file = out.resolve("web." + f);
            assertEquals(file, exports.export(disk, file, f, false, Progress.none()));
            JsonNode info = info(f.name(), file);
            assertEquals(f.name(), info.path("format").asText());
            assertEquals(2 * GIB, info.path("virtual-size").asLong(), f + ": the VM's disk size");
            assertFalse(info.has("backing-filename"), f + ": no backing file: " + info);
            if (f != ExportFormat.raw) host("qemu-img", "check", "-f", f.name(), file.toString()); // exits non-zero on any error
            assertTrue(host("qemu-img", "compare", "-f", "qcow2", "-F", f.name(), disk.toString(), file.toString()).contains("identical"),
                    f + " holds the base's data and the VM's own");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), f + ": the guest's secrets are its owner's");
            long held = allocatedBytes(file);
            assertTrue(held < 64 * MIB, f + " is sparse (12 MiB of data in 2 GiB): " + held);
        }
        assertEquals("monolithicSparse", info("vmdk", out.resolve("web.vmdk")).at("/format-specific/data/create-type").asText(),
                "the VMDK kind VMware's desktop products and VirtualBox attach and boot as it is");
        assertEquals(List.of("web.qcow2", "web.raw", "web.vmdk"), names(out), "nothing else left beside them");
    }

    @Test
    void aRawDiskIsReadAsRawEvenWhenTheGuestWroteAQcow2HeaderNamingAHostFile() throws Exception {
        // the guest owns every byte of a raw disk: it can make its first sector a qcow2 header whose backing file is a
        // host file; read by a probing qemu-img (as root), the export would carry that host file's content
        Path secret = Files.writeString(tmp.resolve("secret"), "host secret ".repeat(1000));
        Path disk = Files.createDirectories(tmp.resolve("vms")).resolve("default_evil.raw");
        host("qemu-img", "create", "-q", "-f", "qcow2", "-b", secret.toString(), "-F", "raw", disk.toString(), "1M");
        byte[] guestBytes = Files.readAllBytes(disk);
        Path out = Files.createDirectory(tmp.resolve("out"));
        exports.export(disk, out.resolve("evil.raw"), ExportFormat.raw, false, Progress.none());
        byte[] exported = Files.readAllBytes(out.resolve("evil.raw"));
        assertArrayEquals(guestBytes, java.util.Arrays.copyOf(exported, guestBytes.length), "the guest's bytes, as they are");
        assertFalse(new String(exported, java.nio.charset.StandardCharsets.ISO_8859_1).contains("host secret"), "no host file in it");
        exports.export(disk, out.resolve("evil.qcow2"), ExportFormat.qcow2, false, Progress.none());
        assertFalse(info("qcow2", out.resolve("evil.qcow2")).has("backing-filename"));
    }

    @Test
    void aLinkAFolderAMissingFolderAndAnExistingFileAreRefusedBeforeAnythingIsWritten() throws Exception {
        Path disk = vmDisk();
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path victim = Files.writeString(tmp.resolve("victim"), "keep me");
        Path link = Files.createSymbolicLink(out.resolve("web.qcow2"), victim);
        PbException viaLink = assertThrows(PbException.class, () -> exports.export(disk, link, ExportFormat.qcow2, true, Progress.none()));
        assertEquals(Failure.UnsafeFile, viaLink.failure());
        assertEquals(ExitCodes.INVALID, viaLink.exitCode());
        assertEquals("keep me", Files.readString(victim), "not written through the link, --force or not");
        assertTrue(Files.isSymbolicLink(link));
        Files.delete(link);

        Path existing = Files.writeString(out.resolve("web.raw"), "an earlier export");
        PbException exists = assertThrows(PbException.class, () -> exports.export(disk, existing, ExportFormat.raw, false, Progress.none()));
        assertEquals(ExitCodes.CONFLICT, exists.exitCode());
        assertTrue(exists.getMessage().contains("--force"), exists.getMessage());
        assertEquals("an earlier export", Files.readString(existing));
        exports.export(disk, existing, ExportFormat.raw, true, Progress.none());
        assertEquals(2 * GIB, Files.size(existing), "replaced when asked");

        assertEquals(ExitCodes.INVALID, assertThrows(PbException.class,
                () -> exports.export(disk, out, ExportFormat.raw, true, Progress.none())).exitCode(), "a folder is no file to write");
        assertEquals(ExitCodes.NOT_FOUND, assertThrows(PbException.class,
                () -> exports.export(disk, tmp.resolve("nowhere/web.raw"), ExportFormat.raw, false, Progress.none())).exitCode());
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(Failure.UnsafeFile, assertThrows(PbException.class,
                () -> exports.export(disk, open.resolve("web.raw"), ExportFormat.raw, false, Progress.none())).failure(),
                "a folder anyone can write, not sticky: the file could be swapped while qemu-img writes it");
        assertEquals(List.of("web.raw"), names(out));
        assertEquals(List.of(), names(open));
    }

    @Test
    void aQemuImgThatFailsHalfwayLeavesNoFileAndNoPartialOne() throws Exception {
        Path disk = vmDisk();
        Path out = Files.createDirectory(tmp.resolve("out"));
        FakeRunner failing = new FakeRunner(c -> {
            try {
                Files.write(Path.of(c.argv().get(c.argv().size() - 1)), new byte[1 << 20]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return FakeRunner.Reply.fail(1, "qemu-img: error while writing at byte 1048576: Input/output error");
        });
        PbException e = assertThrows(PbException.class, () -> new DiskExports(new Overlays(failing))
                .export(disk, out.resolve("web.vmdk"), ExportFormat.vmdk, false, Progress.none()));
        assertEquals(Failure.DiskCreateFailed, e.failure());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertEquals(List.of(), names(out));
        assertEquals(List.of("qemu-img", "convert", "-p", "-f", "qcow2", "-O", "vmdk", "-o", "subformat=monolithicSparse", disk.toString()),
                failing.calls.get(0).subList(0, 10));
    }

    @Test
    void sigtermLeavesNothingAndSigkillLeavesOnlyAFolderNamedPartial() throws Exception {
        Path disk = vmDisk();
        for (boolean kill : new boolean[] {false, true}) {
            Path out = Files.createDirectory(tmp.resolve("out-" + kill));
            Path log = tmp.resolve("child-" + kill + ".out");
            Process child = ChildJvm.start(log, ExportMain.class, disk.toString(), out.resolve("web.raw").toString());
            await().atMost(java.time.Duration.ofSeconds(60)).pollInterval(java.time.Duration.ofMillis(50))
                    .until(() -> Files.exists(log) && Files.readString(log).contains("half written"));
            assertTrue(Files.readString(log).contains("half written"), Files.readString(log));
            if (kill) child.destroyForcibly();
            else child.destroy(); // SIGTERM, as Ctrl-C or systemctl stop: the JVM's shutdown hooks run
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            List<String> left = names(out);
            if (kill) {
                assertEquals(1, left.size(), left.toString());
                assertTrue(left.get(0).startsWith(".web.raw.pb-partial-"), "named as what it is, never as the result: " + left);
            } else {
                assertEquals(List.of(), left, "Ctrl-C or SIGTERM: no partial image anywhere; " + Files.readString(log));
            }
        }
    }
}
