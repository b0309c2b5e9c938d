package dev.bootc.pb.disk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What makes an overlay instant, checked without a clock: it holds no data, whatever its virtual size. */
final class OverlayChecks {
    private OverlayChecks() {
    }

    /** Each overlay holds under 1 MiB on disk, and there are at least three of them. */
    static void assertHoldNoData(Overlays overlays, List<Path> created) {
        assertTrue(created.size() >= 3, "three overlays to check, not " + created.size());
        for (Path p : created) {
            assertTrue(Files.isRegularFile(p), p + " exists");
            long onDisk = overlays.allocatedBytes(p);
            assertTrue(onDisk < (1 << 20), p + " holds " + onDisk + " bytes on disk");
        }
    }
}
