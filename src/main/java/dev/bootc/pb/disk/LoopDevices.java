package dev.bootc.pb.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Detaches loop devices a killed {@code bootc install --via-loopback} left on a raw file. Matched by device and
 * inode, since the path a loop device reports is the one seen inside the build container.
 */
final class LoopDevices {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LoopDevices() {
    }

    /** Best effort: returns how many loop devices were detached. */
    static int detachBackedBy(ProcessRunner runner, Path file) {
        long ino;
        long dev;
        try {
            if (!Files.exists(file)) return 0;
            ino = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
            dev = ((Number) Files.getAttribute(file, "unix:dev")).longValue();
        } catch (Exception e) {
            return 0;
        }
        String majMin = major(dev) + ":" + minor(dev);
        int detached = 0;
        try {
            ProcessResult r = runner.run(Command.of("losetup", "--list", "--json", "--output", "NAME,BACK-INO,BACK-MAJ:MIN")
                    .timeout(Duration.ofSeconds(30)));
            if (!r.ok() || r.stdout().isBlank()) return 0;
            for (JsonNode d : JSON.readTree(r.stdout()).path("loopdevices")) {
                if (d.path("back-ino").asLong(-1) == ino && d.path("back-maj:min").asText("").strip().equals(majMin)) {
                    if (runner.run(Command.of("losetup", "--detach", d.path("name").asText()).timeout(Duration.ofSeconds(30))).ok()) {
                        detached++;
                    }
                }
            }
        } catch (Exception e) {
            // losetup missing or unreadable: the loop device stays, the file is still deleted
        }
        return detached;
    }

    static long major(long dev) {
        return ((dev & 0xfff00L) >>> 8) | ((dev & 0xfffff00000000000L) >>> 32);
    }

    static long minor(long dev) {
        return (dev & 0xffL) | ((dev & 0xffffff00000L) >>> 12);
    }
}
