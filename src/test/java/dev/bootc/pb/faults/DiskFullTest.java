package dev.bootc.pb.faults;

import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.disk.BaseDiskBuilder;
import dev.bootc.pb.disk.BaseDiskCache;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The base disk cache on a full file system (a real tmpfs of 160 MiB): a build that cannot fit is refused
 * before it starts, and one that runs out of space midway (the installer sees only I/O errors) fails
 * the same way: one line naming the folder and the space needed, DiskFull (exit 1), nothing partial
 * left, the other cached disks untouched. The installer is faked at the process edge: it writes into
 * the raw disk until the file system is full, as bootc install to-disk would.
 */
class DiskFullTest {
    static final long MIB = 1L << 20;
    Path mount;
    Path cacheDir;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mount = Files.createTempDirectory("pb-full");
        run("mount", "-t", "tmpfs", "-o", "size=160m", "pb-full", mount.toString());
        cacheDir = mount.resolve("base");
        Files.createDirectories(cacheDir);
        // another image's finished entry, which must survive whatever happens
        Files.write(cacheDir.resolve("aaaaaaaaaaaaaaaa.qcow2"), new byte[4 << 20]);
        Files.writeString(cacheDir.resolve("aaaaaaaaaaaaaaaa.json"), "{\"formatVersion\":" + BaseDiskCache.FORMAT_VERSION
                + ",\"key\":\"aaaaaaaaaaaaaaaa\",\"image\":\"other\",\"digest\":\"sha256:1\",\"imageId\":\"1\",\"firmware\":\"uefi\","
                + "\"virtualSizeBytes\":1,\"created\":\"2026-12-01T00:00:00Z\",\"buildSeconds\":1.0}");
    }

    @AfterEach
    void unmount() throws Exception {
        run("umount", mount.toString());
        Files.deleteIfExists(mount);
    }

    @Test
    void aBuildThatCannotFitIsRefusedBeforeItStarts() throws Exception {
        String before = snapshot();
        Installer installer = new Installer();
        BaseDiskCache cache = new BaseDiskCache(cacheDir, new BaseDiskBuilder(installer));
        PbException e = assertThrows(PbException.class, () -> cache.ensure(new Image("localhost/big:1", "b1", "sha256:b1", 500 * MIB), options(), null));
        assertFull(e);
        assertEquals(0, installer.installs, "nothing was started");
        assertEquals(before, snapshot(), "nothing written, nothing removed");
    }

    @Test
    void aBuildThatRunsOutOfSpaceMidwayLeavesNothingAndSaysSoInOneLine() throws Exception {
        String before = snapshot();
        Installer installer = new Installer();
        BaseDiskCache cache = new BaseDiskCache(cacheDir, new BaseDiskBuilder(installer));
        // 1 MiB of image: the estimate (130 MiB) fits, but this installer writes all the disk it is given
        Image image = new Image("localhost/grows:1", "g1", "sha256:g1", 1 * MIB);
        assertTrue(Files.getFileStore(cacheDir).getUsableSpace() > 2 * image.sizeBytes() + 128 * MIB, "the estimate passes");
        PbException e = assertThrows(PbException.class, () -> cache.ensure(image, options(), null));
        assertFull(e);
        assertEquals(1, installer.installs, "the install ran and filled the disk");
        assertTrue(installer.wroteUntilFull, "the file system really filled up");
        String after = snapshot();
        // the failed build's log may stay for people (KEY.log); no disk, metadata or build folder of it does
        assertEquals(before, after.lines().filter(l -> !l.contains(".log ")).map(l -> l + "\n").reduce("", String::concat),
                "nothing partial left, the other entry untouched");
        assertTrue(Files.getFileStore(cacheDir).getUsableSpace() > 140 * MIB, "the space is given back");
    }

    @Test
    void aRawVmDiskThatCannotFitIsRefusedBeforeItStartsAndOneThatRunsOutLeavesNothing() throws Exception {
        // a base disk of 200 MiB of data outside the small file system; the VM's raw copy would go into it
        Path base = Files.createTempDirectory("pb-base").resolve("base.qcow2");
        try {
            run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "1G");
            run("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 200M", base.toString());
            Path vms = Files.createDirectories(mount.resolve("vms"));
            PbException e = assertThrows(PbException.class, () -> new dev.bootc.pb.disk.Overlays(ProcessRunner.local())
                    .createRawCopy(base, vms.resolve("default_web.raw"), 1L << 30, dev.bootc.pb.port.Progress.none()));
            assertEquals("DiskFull", e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("not enough space in " + vms + " for a raw copy of the base disk: it needs about 200 MiB"),
                    e.getMessage());
            assertTrue(e.failure().terminal(), "not tried again and again: each try would fill the folder");
            assertEquals(List.of(), names(vms), "nothing written");

            // the space was there when it started, and then was not: qemu-img's ENOSPC is DiskFull too, nothing partial left
            ProcessRunner filling = c -> c.argv().contains("convert")
                    ? ProcessRunner.local().run(Command.of("dd", "if=/dev/zero", "of=" + c.argv().get(c.argv().size() - 1), "bs=1M", "count=400"))
                    : ProcessRunner.local().run(c);
            Path small = Files.createTempDirectory("pb-base").resolve("small.qcow2");
            run("qemu-img", "create", "-q", "-f", "qcow2", small.toString(), "1G");
            PbException midway = assertThrows(PbException.class, () -> new dev.bootc.pb.disk.Overlays(filling)
                    .createRawCopy(small, vms.resolve("default_web.raw"), 1L << 30, dev.bootc.pb.port.Progress.none()));
            assertEquals("DiskFull", midway.reason(), midway.getMessage());
            assertEquals(List.of(), names(vms), "no partial copy");
            assertTrue(Files.getFileStore(vms).getUsableSpace() > 140 * MIB, "the space is given back");
            Files.delete(small);
            Files.delete(small.getParent());
        } finally {
            Files.deleteIfExists(base);
            Files.deleteIfExists(base.getParent());
        }
    }

    static List<Path> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }

    static void assertFull(PbException e) {
        assertEquals("DiskFull", e.reason(), e.getMessage());
        assertEquals(1, e.exitCode());
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        assertTrue(e.getMessage().contains("not enough space in ") && e.getMessage().contains("/base to build the base disk of ")
                && e.getMessage().matches(".*: it needs (about [0-9.]+ (MiB|GiB), [0-9.]+ (MiB|GiB) free|more than the [0-9.]+ (MiB|GiB) that were free);.*"), e.getMessage());
    }

    static BaseDiskOptions options() {
        return new BaseDiskOptions(null, null, List.of(), Firmware.uefi, 4L << 30);
    }

    /** Every file of the cache folder with its bytes' hash (lock files, empty by design, left out). */
    String snapshot() throws Exception {
        TreeMap<String, String> files = new TreeMap<>();
        try (var s = Files.walk(cacheDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (p.getFileName().toString().endsWith(".lock")) continue;
                files.put(cacheDir.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        StringBuilder sb = new StringBuilder();
        files.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        return sb.toString();
    }

    /** podman at the process edge: "bootc install to-disk" writes into /output/disk.raw until it is done or the disk is full. */
    static final class Installer implements ProcessRunner {
        int installs;
        boolean wroteUntilFull;

        @Override
        public ProcessResult run(Command c) {
            List<String> argv = c.argv();
            if (argv.contains("install") && argv.contains("to-disk")) {
                installs++;
                String output = argv.stream().filter(a -> a.endsWith(":/output")).findFirst().orElseThrow().replace(":/output", "");
                Path raw = Path.of(output, BaseDiskBuilder.RAW_NAME);
                byte[] chunk = new byte[1 << 20];
                new java.util.Random(1).nextBytes(chunk);
                try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
                    for (long off = 0; off < f.length(); off += chunk.length) {
                        f.seek(off);
                        f.write(chunk);
                    }
                } catch (IOException e) {
                    wroteUntilFull = e.getMessage() != null && e.getMessage().contains("No space left");
                    // what a real installer says when its loop device's backing file cannot grow
                    return new ProcessResult(c, 1, "", "mkfs.ext4: Input/output error while writing out and closing file system", Duration.ZERO, false);
                }
                return new ProcessResult(c, 0, "", "", Duration.ZERO, false);
            }
            return new ProcessResult(c, 0, "", "", Duration.ZERO, false); // podman rm, losetup: nothing to do
        }
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + " failed (the fault suite runs as root): " + out);
    }
}
