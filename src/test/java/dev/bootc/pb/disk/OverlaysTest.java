package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.ProcessRunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overlays against the real qemu-img, on an empty base disk (the vm suite does it on a built one). */
class OverlaysTest {
    static final long GIB = 1L << 30;
    final Overlays overlays = new Overlays(ProcessRunner.local());

    @TempDir
    Path tmp;

    Path base() {
        Path base = tmp.resolve("base/base.qcow2");
        FileModes.diskFolders(base.getParent());
        ProcessRunner.local().run(Command.of("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "10G"))
                .orThrow(dev.bootc.pb.api.Failure.Failed, "qemu-img create");
        return base;
    }

    @Test
    void overlaysAreInstantWhateverTheirSize() {
        Path base = base();
        for (long size : new long[] {20 * GIB, 2048 * GIB}) {
            StringBuilder all = new StringBuilder();
            java.util.List<Path> created = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Path overlay = tmp.resolve("vms/a/b/disk-" + (size / GIB) + "-" + i + ".qcow2");
                long start = System.nanoTime();
                overlays.create(base, overlay, size);
                created.add(overlay);
                long ms = (System.nanoTime() - start) / 1_000_000;
                all.append(all.length() == 0 ? "" : ", ").append(ms);
                assertEquals(Optional.of(base), overlays.backingFile(overlay));
                assertEquals(size, overlays.virtualSize(overlay));
            }
            System.out.println("overlay of " + (size / GIB) + " GiB created in " + all + " ms");
            // Speed is the benchmark\'s to report (bench/run); what makes it instant is checked here: no
            // data is written, whatever the virtual size, so the overlay stays a few hundred KiB.
            OverlayChecks.assertHoldNoData(overlays, created);
        }
    }

    @Test
    void filesAreTheOwnersFoldersLetQemuPassThroughAndNoTempFileStays() throws IOException {
        Path base = base();
        Path overlay = tmp.resolve("images/vms/default/vm1/disk.qcow2");
        overlays.create(base, overlay, 20 * GIB);
        // libvirt chowns the overlay to QEMU's user at start; the folders it never chowns QEMU must pass through
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(overlay)));
        for (Path d = overlay.getParent(); !d.equals(tmp); d = d.getParent()) {
            assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
        try (Stream<Path> s = Files.list(overlay.getParent())) {
            assertEquals(1, s.count(), "only the overlay, no temporary file");
        }
    }

    @Test
    void refusesToOverwriteToShrinkOrToDangle() {
        Path base = base();
        Path overlay = tmp.resolve("disk.qcow2");
        overlays.create(base, overlay, 20 * GIB);
        PbException exists = assertThrows(PbException.class, () -> overlays.create(base, overlay, 20 * GIB));
        assertEquals(ExitCodes.CONFLICT, exists.exitCode());
        PbException small = assertThrows(PbException.class, () -> overlays.create(base, tmp.resolve("small.qcow2"), 5 * GIB));
        assertEquals(ExitCodes.INVALID, small.exitCode());
        assertTrue(small.getMessage().contains("use at least 10Gi"), small.getMessage());
        PbException noBase = assertThrows(PbException.class, () -> overlays.create(tmp.resolve("nope.qcow2"), tmp.resolve("x.qcow2"), 20 * GIB));
        assertEquals(ExitCodes.NOT_FOUND, noBase.exitCode());
        assertFalse(Files.exists(tmp.resolve("small.qcow2")));
    }

    @Test
    void aBaseDiskHasNoBackingFileAndDeleteIsIdempotent() {
        Path base = base();
        assertEquals(Optional.empty(), overlays.backingFile(base));
        Path overlay = overlays.create(base, tmp.resolve("d.qcow2"), 20 * GIB);
        assertTrue(overlays.delete(overlay));
        assertFalse(overlays.delete(overlay));
        assertEquals(ExitCodes.NOT_FOUND, assertThrows(PbException.class, () -> overlays.backingFile(overlay)).exitCode());
    }
}
