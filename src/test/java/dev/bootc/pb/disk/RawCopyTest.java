package dev.bootc.pb.disk;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Progress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A raw VM disk made from a base disk by the real qemu-img: sparse, self-contained, the size asked, never seen half-made. */
class RawCopyTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    @TempDir
    Path tmp;

    /** A qcow2 base disk of {@code size} holding 8 MiB of data at 100 MiB (a file system's worth, in small). */
    static Path base(Path dir, String size) {
        Path base = dir.resolve("base/base.qcow2");
        FileModes.diskFolders(base.getParent());
        host("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), size);
        host("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 100M 8M", base.toString());
        return base;
    }

    static String host(String... argv) {
        ProcessResult r = ProcessRunner.local().run(Command.of(argv));
        if (!r.ok()) throw new AssertionError(String.join(" ", argv) + ": " + r.stderr());
        return r.stdout();
    }

    static long allocatedBytes(Path p) throws IOException {
        return 512L * Long.parseLong(host("stat", "-c", "%b", p.toString()).strip());
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aRawCopyIsSparseHasNoBackingFileHoldsTheBaseAndHasTheSizeAsked() throws Exception {
        Path base = base(tmp, "1G");
        Path disk = tmp.resolve("images/vms/default_web.raw");
        List<String> progress = new ArrayList<>();
        Path made = new Overlays(ProcessRunner.local()).createRawCopy(base, disk, 2 * GIB, new Progress() {
            @Override
            public void phase(String phase) {
            }

            @Override
            public void output(String line) {
                progress.add(line);
            }
        });
        assertEquals(disk, made);
        String info = host("qemu-img", "info", "-f", "raw", "--output=json", disk.toString());
        assertTrue(info.contains("\"virtual-size\": " + 2 * GIB), info);
        assertFalse(info.contains("backing-filename"), "no backing file: " + info);
        assertEquals(2 * GIB, Files.size(disk));
        long held = allocatedBytes(disk);
        assertTrue(held >= 8 * MIB && held < 16 * MIB, "sparse: the base's 8 MiB of data, not 2 GiB: " + held);
        // the first GiB is the base's, the grown part reads as zeroes
        assertTrue(host("qemu-img", "compare", "-f", "qcow2", "-F", "raw", base.toString(), disk.toString()).contains("identical"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk)));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk.getParent())));
        assertEquals(List.of("default_web.raw"), names(disk.getParent()), "no partial copy stays beside it");
        assertTrue(progress.stream().anyMatch(l -> l.contains("100.00/100%")), "qemu-img's progress is passed on: " + progress);
    }

    @Test
    void refusesAnExistingDiskASmallerSizeAndAMissingBaseWritingNothing() throws Exception {
        Path base = base(tmp, "1G");
        Overlays overlays = new Overlays(ProcessRunner.local());
        Path disk = tmp.resolve("vms/d.raw");
        overlays.createRawCopy(base, disk, GIB, Progress.none());
        PbException exists = assertThrows(PbException.class, () -> overlays.createRawCopy(base, disk, GIB, Progress.none()));
        assertEquals(Failure.DiskExists, exists.failure());
        PbException small = assertThrows(PbException.class, () -> overlays.createRawCopy(base, tmp.resolve("vms/s.raw"), 512 * MIB, Progress.none()));
        assertEquals(ExitCodes.INVALID, small.exitCode());
        PbException noBase = assertThrows(PbException.class,
                () -> overlays.createRawCopy(tmp.resolve("none.qcow2"), tmp.resolve("vms/n.raw"), GIB, Progress.none()));
        assertEquals(ExitCodes.NOT_FOUND, noBase.exitCode());
        assertEquals(List.of("d.raw"), names(disk.getParent()));
    }

    @Test
    void aQemuImgThatFailsHalfwayLeavesNoDiskAndNoPartialFile() throws Exception {
        Path base = base(tmp, "1G");
        Path disk = tmp.resolve("vms/default_web.raw");
        // qemu-img info answers for real; convert writes a MiB into its output, then fails as a failing disk would
        FakeRunner failing = new FakeRunner(c -> {
            if (!FakeRunner.starts(c, "qemu-img", "convert")) return FakeRunner.Reply.of(ProcessRunner.local().run(c));
            try {
                Files.write(Path.of(c.argv().get(c.argv().size() - 1)), new byte[1 << 20]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return FakeRunner.Reply.fail(1, "qemu-img: error while writing at byte 1048576: Input/output error");
        });
        PbException e = assertThrows(PbException.class, () -> new Overlays(failing).createRawCopy(base, disk, GIB, Progress.none()));
        assertEquals(Failure.DiskCreateFailed, e.failure());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertEquals(List.of(), names(disk.getParent()), "neither the disk nor a partial copy");
        List<String> convert = failing.callsStartingWith("qemu-img", "convert").get(0);
        assertEquals(List.of("qemu-img", "convert", "-p", "-f", "qcow2", "-O", "raw", base.toString()), convert.subList(0, 8),
                "the base disk's format is said, never probed");
    }
}
