package dev.bootc.pb.disk;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VolumeMount;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a volume's guest path can exist in a booted bootc guest. A bootc root is read-only
 * (composefs) except /etc and /var, so a mount point whose top-level folder the image does not have
 * ({@code /data}) cannot be created at boot; {@code /mnt}, {@code /srv}, {@code /home}, {@code /opt},
 * {@code /root} are symlinks into /var on real images and work.
 */
public final class GuestPaths {
    /** Top-level folders a booted bootc system always has writable, or made at runtime. */
    static final Set<String> ALWAYS_THERE = Set.of("var", "etc", "tmp", "run");

    private final ProcessRunner runner;

    public GuestPaths(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Refuses (InvalidGuestPath, exit 2) a volume the guest could not mount; asks the image only when needed. */
    public void check(String imageRef, List<VolumeMount> volumes) {
        if (volumes.isEmpty()) return;
        Set<String> top = null;
        for (VolumeMount v : volumes) {
            String first = topLevel(v.getGuestPath());
            if (first == null) {
                throw new PbException.Invalid("InvalidGuestPath", "volume guest path " + v.getGuestPath()
                        + " is the root or a top-level file: use a folder under /var or /mnt, like /mnt/data");
            }
            if (ALWAYS_THERE.contains(first)) continue;
            if (top == null) top = topLevelEntries(imageRef);
            if (!top.contains(first)) {
                throw new PbException.Invalid("InvalidGuestPath", "volume guest path " + v.getGuestPath() + ": image " + imageRef + " has no /"
                        + first + " and a bootc root is read-only, so it cannot be made: use a path under /var or /mnt, like /mnt/" + first);
            }
        }
    }

    /** The first component of an absolute path, or null for "/" (or a path with nothing below its first component). */
    static String topLevel(String guestPath) {
        String p = guestPath.replaceAll("/+", "/");
        if (!p.startsWith("/")) return null;
        String[] parts = p.substring(1).split("/");
        if (parts.length == 0 || parts[0].isEmpty() || parts[0].equals(".") || parts[0].equals("..")) return null;
        return parts[0];
    }

    /** The names of the image's top-level entries (folders and symlinks alike), from a throw-away container. */
    Set<String> topLevelEntries(String imageRef) {
        ProcessResult r = runner.run(Command.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root",
                "--entrypoint", "find", imageRef, "/", "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\n").timeout(Duration.ofMinutes(2)));
        if (!r.ok()) {
            throw new PbException.Failed("ImageInspectFailed", "cannot list the top-level folders of " + imageRef + ": " + r.errorTail(1).strip());
        }
        Set<String> out = new HashSet<>();
        for (String line : r.stdout().split("\n")) if (!line.isEmpty()) out.add(line);
        return out;
    }
}
