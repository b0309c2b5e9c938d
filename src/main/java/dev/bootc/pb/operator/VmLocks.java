package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/** One reconcile of a VM at a time on this host, across threads and processes. */
public final class VmLocks {
    private static final Map<String, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private VmLocks() {
    }

    public static <T> T withLock(Path lockDir, BootcVm vm, Supplier<T> action) {
        return withLock(lockDir, vm.getMetadata().getNamespace(), vm.getMetadata().getName(), action);
    }

    public static <T> T withLock(Path lockDir, String namespace, String name, Supplier<T> action) {
        String key = namespace + "_" + name;
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
        jvm.lock();
        try {
            if (lockDir == null) return action.get();
            Files.createDirectories(lockDir);
            try (FileChannel ch = FileChannel.open(lockDir.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            jvm.unlock();
        }
    }
}
