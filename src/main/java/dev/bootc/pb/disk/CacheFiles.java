package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.FileModes;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** The file moves the base-disk cache makes: atomic renames, flushes, deletions that name what failed. */
final class CacheFiles {
    private CacheFiles() {
    }

    static Path canonical(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    static void keepLog(Path from, Path to) {
        try {
            if (Files.exists(from)) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
                FileModes.ownerOnly(to);
            }
        } catch (IOException ignored) {
            // the log is for people; losing it must not hide the build's own outcome
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    static void force(Path p) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // durability is best effort (some file systems refuse fsync on folders)
        }
    }

    static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw Failure.DiskDeleteFailed.with("cannot delete " + p + ": " + FileModes.reason(e), e);
        }
    }

    static void deleteTree(Path root) {
        try {
            AtomicFiles.deleteTree(root);
        } catch (java.io.UncheckedIOException e) {
            throw Failure.DiskDeleteFailed.with(e.getMessage(), e);
        }
    }
}
