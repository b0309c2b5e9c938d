package dev.bootc.pb.os;

import dev.bootc.pb.api.Failure;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/** File modes that let QEMU, running as libvirt-qemu under qemu:///system, read pb's disks whatever the umask. */
public final class FileModes {
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-r--r--");
    public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwxr-xr-x");

    private FileModes() {
    }

    /** Creates the folder and its missing parents, each one mode 0755. Existing folders keep their mode. */
    public static void directories(Path dir) {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) missing.push(p);
        try {
            while (!missing.isEmpty()) {
                Path p = missing.pop();
                try {
                    Files.createDirectory(p);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    if (!Files.isDirectory(p)) throw e;
                    continue;
                }
                Files.setPosixFilePermissions(p, DIR);
            }
        } catch (IOException e) {
            throw Failure.DiskFolderFailed.with("cannot create folder " + dir + ": " + reason(e), e);
        }
    }

    /** Mode 0644. */
    public static void readable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, FILE);
    }

    public static String reason(IOException e) {
        return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
    }
}
