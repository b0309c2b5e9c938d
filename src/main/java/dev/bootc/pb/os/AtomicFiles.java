package dev.bootc.pb.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Files that are never seen half-written: content goes to a temp file beside the target (created
 * with its final mode, its owner's alone unless told otherwise), is synced, and renamed over the target; the
 * folder is synced after. A temp file left by a killed writer is named {@code .NAME.HEX.tmp} and can be swept
 * with {@link #removeTemps}.
 */
public final class AtomicFiles {
    static final String TEMP_SUFFIX = ".tmp";
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to {@code target} atomically with the given mode ({@link FileModes#PRIVATE} when null),
     * in a folder made {@link FileModes#PRIVATE_DIR} when missing.
     */
    public static void write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        FileModes.privateFolders(dir);
        byte[] nonce = new byte[4];
        RANDOM.nextBytes(nonce);
        Path tmp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(nonce) + TEMP_SUFFIX);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(mode == null ? FileModes.PRIVATE : mode));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncFolder(dir);
    }

    /** Temp files of {@link #write} left in {@code dir} by writers that were killed; call it where no writer runs. */
    public static void removeTemps(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(".") && n.endsWith(TEMP_SUFFIX);
        })) {
            for (Path p : s) Files.deleteIfExists(p);
        } catch (NoSuchFileException e) {
            // nothing to sweep
        }
    }

    /** Makes a rename or a removal in the folder durable; best effort (some file systems refuse). */
    public static void syncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // the rename is atomic anyway
        }
    }

    /** Deletes a file or a folder with everything in it; nothing happens when it is not there. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    if (exc != null && !(exc instanceof NoSuchFileException)) throw exc;
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
