package dev.bootc.pb.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The host's libvirtd and QEMU, shared by the end-to-end JVMs that failsafe runs side by side: each JVM holds
 * this lock shared from its first class on the host's libvirt until it exits; a class that stops libvirtd
 * ({@code FaultsIT}) holds it alone, so it waits for the other JVM's classes to end and none starts meanwhile.
 * An advisory lock of the kernel on {@link #FILE}: a JVM that dies releases it. The e2e classes run in name
 * order, so the one that needs it alone comes last and waits for one class at most.
 */
public final class HostVmLock {
    /** The lock's file: {@code flock /tmp/pb-e2e-host.lock CMD} keeps a hand-run test off the suite's VMs too. */
    public static final Path FILE = Path.of("/tmp/pb-e2e-host.lock");
    private static FileChannel channel;
    private static FileLock lock;

    private HostVmLock() {
    }

    /** Holds the lock shared (at once when this JVM holds it already, either way). */
    public static synchronized void shared() {
        if (lock == null) acquire(true);
    }

    /** Holds the lock alone: waits until no other JVM holds it. */
    public static synchronized void alone() {
        if (lock != null && !lock.isShared()) return;
        release();
        acquire(false);
    }

    /** Back to shared, when this JVM's class that needed it alone is done. */
    public static synchronized void share() {
        if (lock != null && lock.isShared()) return;
        release();
        acquire(true);
    }

    private static void acquire(boolean shared) {
        try {
            if (channel == null) {
                channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            long t0 = System.nanoTime();
            lock = channel.lock(0, Long.MAX_VALUE, shared);
            long waited = (System.nanoTime() - t0) / 1_000_000_000;
            if (waited > 1) System.err.printf("HostVmLock: waited %d s for the host's libvirt %s%n", waited, shared ? "(shared)" : "alone");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + FILE, e);
        }
    }

    private static void release() {
        if (lock == null) return;
        try {
            lock.release();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unlock " + FILE, e);
        }
        lock = null;
    }
}
