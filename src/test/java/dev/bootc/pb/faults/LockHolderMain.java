package dev.bootc.pb.faults;

import dev.bootc.pb.os.HostLock;

import java.nio.file.Path;

/** Another process holding a host lock until it is killed: what a running pb operator does with its node's lock. */
public final class LockHolderMain {
    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (HostLock lock = HostLock.acquire(Path.of(args[0]), () -> { })) {
            System.out.println("holding " + args[0]);
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
