package dev.bootc.pb.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What any local user may read or write under given folders (the "others" read or write bit of a file or
 * folder), for asserting that pb keeps its disks, seeds, keys and store files to itself. A folder that
 * others may only pass through ({@code rwx--x--x}, what the disk folders QEMU reaches under
 * qemu:///system need) is not listed: its files cannot be listed, and each is read only if its own mode
 * allows. Symbolic links are listed as found but never followed. Walk as root to see everything.
 */
public final class WorldReadable {
    private WorldReadable() {
    }

    /** One finding, as {@code ls -l} would show it: mode, owner and group, path. */
    public record Found(Path path, String mode, String owner, String group) {
        @Override
        public String toString() {
            return mode + " " + owner + ":" + group + " " + path;
        }
    }

    /**
     * Every file and folder under {@code roots} (each root included; a missing root is skipped) whose mode lets
     * others read or write it, but those {@code allowed} accepts (say why at the call).
     */
    public static List<Found> find(Collection<Path> roots, Predicate<Path> allowed) {
        List<Found> out = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) continue;
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        look(dir);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        look(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                        if (e instanceof java.nio.file.NoSuchFileException) return FileVisitResult.CONTINUE; // removed while walked
                        throw e; // a folder the walker cannot read would hide what is in it: walk as root
                    }

                    private void look(Path p) throws IOException {
                        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                        boolean open = a.isSymbolicLink() || a.permissions().contains(PosixFilePermission.OTHERS_READ)
                                || a.permissions().contains(PosixFilePermission.OTHERS_WRITE);
                        if (open && !allowed.test(p)) {
                            String mode = a.isSymbolicLink() ? "symlink->" + Files.readSymbolicLink(p) : PosixFilePermissions.toString(a.permissions());
                            out.add(new Found(p, mode, a.owner().getName(), a.group().getName()));
                        }
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot walk " + root + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Fails, listing every finding, unless nothing under {@code roots} is open to others but what {@code allowed} accepts. */
    public static void assertNone(Collection<Path> roots, Predicate<Path> allowed) {
        List<Found> found = find(roots, allowed);
        if (!found.isEmpty()) {
            throw new AssertionError(found.size() + " file(s) or folder(s) any local user may read or write under " + roots + ":\n"
                    + found.stream().map(Found::toString).collect(Collectors.joining("\n")));
        }
    }
}
