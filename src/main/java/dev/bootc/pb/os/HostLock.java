package dev.bootc.pb.os;

import dev.bootc.pb.api.Failure;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * pb's one lock: exclusive use of a lock file across threads and processes. An OS file lock is held
 * per process (a second lock from the same JVM throws), so threads first queue on an in-JVM lock for
 * the same file. Not reentrant. Lock files are never deleted: deleting one while another process
 * waits on it would let two holders in. A killed holder's lock is released by the kernel.
 */
public final class HostLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock jvmLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private HostLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
        this.jvmLock = jvmLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /** Runs {@code action} holding the lock. */
    public static <T> T with(Path lockFile, Supplier<T> action) {
        try (HostLock ignored = acquire(lockFile, () -> { })) {
            return action.get();
        }
    }

    /** Waits for the lock; {@code onWait} runs once when someone else holds it. */
    public static HostLock acquire(Path lockFile, Runnable onWait) {
        Optional<HostLock> now = tryAcquire(lockFile);
        if (now.isPresent()) return now.get();
        onWait.run();
        ReentrantLock jvm = jvmLock(lockFile);
        try {
            jvm.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("interrupted while waiting for " + lockFile);
        }
        FileChannel ch = null;
        try {
            ch = open(lockFile);
            return new HostLock(jvm, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            jvm.unlock();
            throw Failure.LockFailed.with("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /** The lock if nobody holds it (this thread included), else empty. */
    public static Optional<HostLock> tryAcquire(Path lockFile) {
        ReentrantLock jvm = jvmLock(lockFile);
        if (jvm.isHeldByCurrentThread() || !jvm.tryLock()) return Optional.empty();
        FileChannel ch = null;
        try {
            ch = open(lockFile);
            FileLock fl = ch.tryLock();
            if (fl == null) {
                closeQuietly(ch);
                jvm.unlock();
                return Optional.empty();
            }
            return Optional.of(new HostLock(jvm, ch, fl));
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            jvm.unlock();
            throw Failure.LockFailed.with("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The process that holds the lock on this file now, as the kernel's lock table says (/proc/locks),
     * for messages like "held by pid 123"; empty when none holds it or it cannot be told.
     */
    public static Optional<Long> holderPid(Path lockFile) {
        try {
            Object ino = Files.getAttribute(lockFile, "unix:ino");
            String suffix = ":" + ino;
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                // 1: POSIX  ADVISORY  WRITE 4093 fd:01:1234 0 EOF
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && f[1].equals("POSIX") && f[5].endsWith(suffix)) return Optional.of(Long.parseLong(f[4]));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the file is gone: no holder to name
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        try {
            fileLock.release();
        } catch (IOException ignored) {
            // closing the channel releases it anyway
        }
        closeQuietly(channel);
        jvmLock.unlock();
    }

    private static ReentrantLock jvmLock(Path lockFile) {
        return IN_JVM.computeIfAbsent(lockFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
    }

    private static FileChannel open(Path lockFile) throws IOException {
        Path dir = lockFile.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) FileModes.privateFolders(dir);
        // made 0600 (it holds nothing, but nobody else needs it); one that exists keeps its mode
        return FileChannel.open(lockFile, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(FileModes.PRIVATE));
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
