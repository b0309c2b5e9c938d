package dev.bootc.pb.disk;

import dev.bootc.pb.api.PbException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock on one lock file, across threads and processes. FileChannel locks are held per JVM (a
 * second lock from the same JVM throws), so threads first queue on an in-JVM lock for the same file.
 * Lock files are never deleted: deleting one while another process waits on it would let two holders in.
 */
final class KeyLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock jvmLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private KeyLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
        this.jvmLock = jvmLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /** Waits for the lock; {@code onWait} runs once when someone else holds it. */
    static KeyLock acquire(Path lockFile, Runnable onWait) {
        Optional<KeyLock> now = tryAcquire(lockFile);
        if (now.isPresent()) return now.get();
        onWait.run();
        ReentrantLock jvm = jvmLock(lockFile);
        try {
            jvm.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PbException.Failed("Interrupted", "interrupted while waiting for " + lockFile);
        }
        FileChannel ch = null;
        try {
            ch = open(lockFile);
            return new KeyLock(jvm, ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            jvm.unlock();
            throw new PbException.Failed("LockFailed", "cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /** The lock if nobody holds it (this thread included), else empty. */
    static Optional<KeyLock> tryAcquire(Path lockFile) {
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
            return Optional.of(new KeyLock(jvm, ch, fl));
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            jvm.unlock();
            throw new PbException.Failed("LockFailed", "cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
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
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileModes.readable(lockFile);
        return ch;
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
