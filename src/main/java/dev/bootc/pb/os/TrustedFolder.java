package dev.bootc.pb.os;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads named files of a folder someone else may control (a user's folder named to a root pb), the way
 * a root pb may: no link is followed at the folder or at its files, the folder and each file must belong
 * to root or to pb's own user, and each file must be a regular file. Every check is made on what was
 * opened, never on a path looked at a second time: the folder and the files are opened with
 * {@code O_NOFOLLOW} (a file also {@code O_NONBLOCK}, so a FIFO cannot hold pb), their owner and type
 * are read from the open descriptor (a stat of {@code /proc/self/fd/N}, which is fstat), and the content
 * is read through that same link, which reopens the very file the descriptor holds, whatever its name
 * points at by then. So a file swapped between the check and the read is not read. A link on the way
 * to the folder is followed only when root or pb's user owns it: another user's link could be turned
 * to any folder of root's between two runs.
 */
public final class TrustedFolder {
    /** Linux's own limit on links followed in one lookup. */
    private static final int MAX_LINKS = 40;
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;
    private static final int ELOOP = 40;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private final String label;
    private final Path folder;
    private final int uid;

    private TrustedFolder(String label, Path folder) {
        this.label = label;
        this.folder = folder;
        this.uid = Libc.C.geteuid();
    }

    /**
     * The content of each of {@code names} the folder holds (a missing one is left out).
     *
     * @param label what the folder is, for messages ("cloud-init")
     * @throws PbException         UnsafeFile, one line naming the link, the file or the folder and what to do
     * @throws NoSuchFileException the folder (or a folder on the way) is not there
     * @throws NotDirectoryException the path is not a folder
     * @throws IOException         a file cannot be read (permissions, say)
     */
    public static Map<String, byte[]> read(Path folder, Collection<String> names, String label) throws IOException {
        if (!folder.isAbsolute()) throw new IllegalArgumentException("not an absolute path: " + folder);
        TrustedFolder f;
        try {
            f = new TrustedFolder(label, folder.normalize());
        } catch (LinkageError e) {
            // JNA's native part did not load (no writable temp folder, say): libvirt would not work either
            throw Failure.Failed.with("cannot read the " + label + " folder " + folder + ": the C library is out of reach through JNA: "
                    + e.getMessage(), e);
        }
        return f.read(names);
    }

    private Map<String, byte[]> read(Collection<String> names) throws IOException {
        int dir = openFolder();
        try {
            requireOwner(stat(dir), folder, "folder");
            Map<String, byte[]> out = new TreeMap<>();
            for (String name : names) {
                byte[] content = readFile(dir, name);
                if (content != null) out.put(name, content);
            }
            return out;
        } finally {
            close(dir);
        }
    }

    /** One file of the open folder, or null when it has none of that name. */
    private byte[] readFile(int dir, String name) throws IOException {
        Path file = folder.resolve(name);
        int fd;
        try {
            fd = Libc.C.openat(dir, bytes(name), Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) return null;
            if (e.getErrorCode() == ELOOP) {
                throw unsafe(label + " file " + file + " is a symbolic link, which pb does not follow (it could point at any file of"
                        + " this host): put the file itself there");
            }
            throw new FileSystemException(file.toString(), null, reason(e));
        }
        try {
            Map<String, Object> a = stat(fd);
            if (type(a) != S_IFREG) {
                throw unsafe(label + " file " + file + " is " + typeName(a) + ", not a regular file: put a regular file there");
            }
            requireOwner(a, file, "file");
            try {
                return Files.readAllBytes(fdPath(fd));
            } catch (FileSystemException e) {
                throw new FileSystemException(file.toString(), null, e.getReason());
            }
        } finally {
            close(fd);
        }
    }

    /** Opens the folder, following on the way only the links root or pb's user owns, and never a link at the folder itself. */
    private int openFolder() throws IOException {
        Deque<String> todo = new ArrayDeque<>(components(folder));
        int cur = Libc.C.open(bytes("/"), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        Path at = folder.getRoot();
        int links = 0;
        try {
            while (!todo.isEmpty()) {
                String c = todo.pop();
                if (c.isEmpty() || c.equals(".")) continue;
                Path here = c.equals("..") ? (at.getParent() == null ? at : at.getParent()) : at.resolve(c);
                Map<String, Object> a = lstat(cur, c, here);
                if (type(a) == S_IFLNK) {
                    if (todo.isEmpty()) {
                        throw unsafe(label + " folder " + here + " is a symbolic link, which pb does not follow: give the folder it points to");
                    }
                    if (!trusted(a)) {
                        throw unsafe(label + " folder " + folder + ": " + here + " on the way is a symbolic link of uid " + a.get("uid")
                                + ", and pb (uid " + uid + ") follows only links of root and its own: give a path without it");
                    }
                    if (++links > MAX_LINKS) throw new FileSystemException(folder.toString(), null, "too many levels of symbolic links");
                    Path target = Files.readSymbolicLink(fdPath(cur).resolve(c));
                    if (!a.get("ino").equals(lstat(cur, c, here).get("ino"))) throw changed(here);
                    List<String> more = components(target);
                    for (int i = more.size() - 1; i >= 0; i--) todo.push(more.get(i));
                    if (target.isAbsolute()) {
                        int root = Libc.C.open(bytes("/"), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
                        close(cur);
                        cur = root;
                        at = folder.getRoot();
                    }
                    continue;
                }
                if (type(a) != S_IFDIR) throw new NotDirectoryException(here.toString());
                int next;
                try {
                    next = Libc.C.openat(cur, bytes(c), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ELOOP || e.getErrorCode() == ENOTDIR || e.getErrorCode() == ENOENT) throw changed(here);
                    throw new FileSystemException(here.toString(), null, reason(e));
                }
                close(cur);
                cur = next;
                at = here;
            }
            return cur;
        } catch (IOException | RuntimeException e) {
            close(cur);
            throw e;
        }
    }

    private PbException changed(Path here) {
        return unsafe(label + " folder " + folder + ": " + here + " changed while pb looked at it: try again, and keep others from changing it");
    }

    private void requireOwner(Map<String, Object> a, Path what, String kind) {
        if (trusted(a)) return;
        throw unsafe(label + " " + kind + " " + what + " belongs to uid " + a.get("uid") + ", and pb (uid " + uid
                + ") reads only files of root and its own user: copy the files into a folder of your own");
    }

    private boolean trusted(Map<String, Object> a) {
        int owner = (Integer) a.get("uid");
        return owner == 0 || owner == uid;
    }

    private static PbException unsafe(String message) {
        return Failure.UnsafeFile.with(message);
    }

    /** The owner, type and identity of what the descriptor holds open (stat through /proc/self/fd is fstat). */
    private static Map<String, Object> stat(int fd) throws IOException {
        return Files.readAttributes(fdPath(fd), "unix:uid,mode,ino");
    }

    /** The same of a name in an open folder, without following a link there. */
    private static Map<String, Object> lstat(int dir, String name, Path here) throws IOException {
        try {
            return Files.readAttributes(fdPath(dir).resolve(name), "unix:uid,mode,ino", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(here.toString());
        }
    }

    private static int type(Map<String, Object> a) {
        return (Integer) a.get("mode") & S_IFMT;
    }

    private static String typeName(Map<String, Object> a) {
        return switch (type(a)) {
            case S_IFDIR -> "a folder";
            case 0010000 -> "a FIFO";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "of mode " + Integer.toOctalString((Integer) a.get("mode"));
        };
    }

    private static Path fdPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    private static List<String> components(Path p) {
        List<String> out = new java.util.ArrayList<>();
        for (Path c : p) out.add(c.toString());
        return out;
    }

    /** A name as the kernel takes it: in the encoding Java uses for file names, NUL-terminated. */
    private static byte[] bytes(String name) {
        byte[] b = name.getBytes(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
        return java.util.Arrays.copyOf(b, b.length + 1);
    }

    private static String reason(LastErrorException e) {
        String m = e.getMessage();
        return m == null ? "error " + e.getErrorCode() : m.replaceFirst("^\\[\\d+\\]\\s*", "");
    }

    private static void close(int fd) {
        try {
            Libc.C.close(fd);
        } catch (LastErrorException e) {
            // a read-only descriptor: nothing is lost
        }
    }

    /** The few calls of the C library that Java does not offer: open and openat with O_NOFOLLOW, and the effective uid. */
    interface Libc extends Library {
        Libc C = Native.load(com.sun.jna.Platform.C_LIBRARY_NAME, Libc.class);
        int O_RDONLY = 0;
        int O_NONBLOCK = 04000;
        int O_CLOEXEC = 02000000;
        /** Linux's values differ by architecture: x86_64 takes the generic ones, aarch64 its own. */
        boolean ARM = "aarch64".equals(System.getProperty("os.arch"));
        int O_DIRECTORY = ARM ? 040000 : 0200000;
        int O_NOFOLLOW = ARM ? 0100000 : 0400000;

        int open(byte[] path, int flags) throws LastErrorException;

        int openat(int dirfd, byte[] path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int geteuid();
    }
}
