package dev.bootc.pb.os;

import dev.bootc.pb.api.Failure;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Set;

/**
 * The modes of pb's files: each its owner's alone, since a VM's disk holds the guest's secrets (shadow file,
 * SSH host keys) and the store its user-data. QEMU under qemu:///system runs as libvirt-qemu, yet needs no
 * read bit for others: libvirt's dynamic ownership chowns a domain's disk, its backing chain, seed and NVRAM
 * to libvirt-qemu at start (measured on libvirt 9.0), but never a folder, so the folders on the way to disks
 * let others pass through without listing them, as libvirt's own /var/lib/libvirt/images (0711) does.
 * Modes are only ever narrowed: a folder or file that exists keeps what its owner gave it.
 */
public final class FileModes {
    /** A file of pb's: rw------- (qemu:///session's QEMU runs as the owner). */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    /** A folder of pb's: rwx------. */
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    /** A folder on the way to disks: rwx--x--x, so libvirt-qemu reaches the files libvirt chowns to it, and nobody lists them. */
    public static final Set<PosixFilePermission> DISK_DIR = PosixFilePermissions.fromString("rwx--x--x");
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private FileModes() {
    }

    /** Creates the folder and its missing parents, each {@link #PRIVATE_DIR}; folders that exist keep their mode. */
    public static void privateFolders(Path dir) throws IOException {
        createFolders(dir, PRIVATE_DIR);
    }

    /**
     * Creates a disk folder and its missing parents, each {@link #DISK_DIR}; folders that exist keep their mode.
     *
     * @throws dev.bootc.pb.api.PbException (DiskFolderFailed) naming the folder
     */
    public static void diskFolders(Path dir) {
        try {
            createFolders(dir, DISK_DIR);
        } catch (IOException e) {
            throw Failure.DiskFolderFailed.with("cannot create folder " + dir + ": " + reason(e), e);
        }
    }

    /** Creates an empty {@link #PRIVATE} file unless one is there: a program that follows the umask then writes into it and keeps its mode. */
    public static void privateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE));
        } catch (FileAlreadyExistsException e) {
            // its mode is its owner's business
        }
    }

    /** Takes the group's and others' bits off a file a program made with the umask's mode (qemu-img, genisoimage); adds none. */
    public static void ownerOnly(Path file) throws IOException {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (mode.removeAll(GROUP_AND_OTHERS)) Files.setPosixFilePermissions(file, mode);
    }

    /**
     * Each missing folder is made with {@code mode} (so it is never open wider, not even for a moment), then set to
     * exactly {@code mode}, whatever the umask took away.
     */
    private static void createFolders(Path dir, Set<PosixFilePermission> mode) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) missing.push(p);
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            try {
                Files.createDirectory(p, PosixFilePermissions.asFileAttribute(mode));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) throw e;
                continue; // made meanwhile by someone else: theirs
            }
            Files.setPosixFilePermissions(p, mode);
        }
    }

    public static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
    }
}
