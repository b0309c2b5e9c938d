package dev.bootc.pb.disk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Test child process: takes a key lock, prints "locked", waits, then (optionally) copies finished cache entry
 * files into place as a build in another process would, and exits. Args: LOCKFILE MILLIS [SRC DST]...
 */
public final class LockHolderMain {
    public static void main(String[] args) throws Exception {
        try (dev.bootc.pb.os.HostLock lock = dev.bootc.pb.os.HostLock.acquire(Path.of(args[0]), () -> { })) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.parseLong(args[1]));
            for (int i = 2; i + 1 < args.length; i += 2) {
                Files.copy(Path.of(args[i]), Path.of(args[i + 1]), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
