package dev.bootc.pb.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A big file a program writes (qemu-img: a raw disk, an exported image) that is put at its target only once
 * complete, so a half-written one is never seen under the target's name. It is written inside a folder of its own
 * beside the target, {@code .NAME.pb-partial-HEX}, made 0700 and new (never one that was there): nobody else can
 * read the guest's data in it, or swap the file for a link while the program writes through its name, and once
 * the folder is gone nothing can be written there again. The folder goes when this is closed, and when the JVM
 * ends before (a failure, Ctrl-C, SIGTERM); only a SIGKILLed pb leaves it, under that name, which no one takes
 * for the result.
 */
public final class PartialFile implements AutoCloseable {
    /** What marks a partial folder in its name (swept by its owner's folder, see {@link #isPartial}). */
    static final String MARK = ".pb-partial-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Path file;
    private final Thread hook;
    private boolean published;

    private PartialFile(Path dir, Path file) {
        this.dir = dir;
        this.file = file;
        this.hook = new Thread(() -> AtomicFiles.deleteTree(dir), "pb-partial-file");
    }

    /**
     * A new partial file for {@code target}, beside it (same file system, so it can be renamed there): an empty
     * file, its owner's alone (0600), which a program writes into and keeps its mode.
     */
    public static PartialFile beside(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        String name = abs.getFileName().toString();
        byte[] nonce = new byte[4];
        RANDOM.nextBytes(nonce);
        // a long name still leaves room for the mark and the nonce within 255 bytes
        String stem = name.length() > 200 ? name.substring(0, 200) : name;
        Path dir = abs.resolveSibling("." + stem + MARK + HexFormat.of().formatHex(nonce));
        // createDirectory fails on anything already there, a link included: the folder is always this one's own
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(FileModes.PRIVATE_DIR));
        PartialFile p = new PartialFile(dir, dir.resolve(name));
        try {
            Runtime.getRuntime().addShutdownHook(p.hook);
            Files.createFile(p.file, PosixFilePermissions.asFileAttribute(FileModes.PRIVATE));
        } catch (IllegalStateException | IOException e) {
            // the JVM is already ending, or the file cannot be made: nothing of it stays
            p.close();
            if (e instanceof IOException io) throw io;
            throw new IOException("pb is shutting down", e);
        }
        return p;
    }

    /** Where the program writes. */
    public Path path() {
        return file;
    }

    /** Whether a folder entry is one of these (what a killed pb left: named so, it is never taken for a result). */
    public static boolean isPartial(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(".") && n.contains(MARK);
    }

    /**
     * Makes the file durable and puts it at {@code target}: in place of what is there when {@code replace} (one
     * rename: the old file or the new, never a mix; a link at the target is replaced, never followed), else only
     * where nothing is (a hard link, which never replaces: FileAlreadyExistsException when something is there).
     * The file keeps its 0600, whatever the program did to its mode.
     */
    public void publish(Path target, boolean replace) throws IOException {
        FileModes.ownerOnly(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
        if (replace) {
            try {
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + file + " to " + target + ": " + e.getMessage(), e);
            }
        } else {
            try {
                Files.createLink(target, file);
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (UnsupportedOperationException | FileSystemException e) {
                // a file system without hard links (FAT, some FUSE): a rename that refuses an existing target
                // (checked first, so a file appearing meanwhile could be replaced: only there)
                Files.move(file, target);
            }
        }
        published = true;
        AtomicFiles.syncFolder(target.toAbsolutePath().getParent());
    }

    /** Removes the partial folder (a published file stays at its target). */
    @Override
    public void close() {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (UncheckedIOException e) {
            // the JVM's hook tries once more; a leftover is named as what it is
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs, finding nothing
        }
    }

    /** Whether {@link #publish} put the file in place. */
    public boolean published() {
        return published;
    }
}
