package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.VolumeMount;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Whether a volume's guest path can exist in a booted bootc guest. A bootc root is read-only
 * (composefs) except /etc and /var, so a mount point whose top-level folder the image does not have
 * ({@code /data}) cannot be created at boot; {@code /mnt}, {@code /srv}, {@code /home}, {@code /opt},
 * {@code /root} are symlinks into /var on real images and work.
 */
final class GuestPaths {
    /** Top-level folders a booted bootc system always has writable, or made at runtime. */
    static final Set<String> ALWAYS_THERE = Set.of("var", "etc", "tmp", "run");

    private GuestPaths() {
    }

    /**
     * Refuses (InvalidGuestPath, exit 2) a volume the guest could not mount; asks for the image's
     * top-level entries only when a path needs them.
     */
    static void check(String imageRef, List<VolumeMount> volumes, Supplier<Set<String>> topLevelEntries) {
        Set<String> top = null;
        for (VolumeMount v : volumes) {
            String first = topLevel(v.getGuestPath());
            if (first == null) {
                throw Failure.InvalidGuestPath.with("volume guest path " + v.getGuestPath()
                        + " is the root or a top-level file: use a folder under /var or /mnt, like /mnt/data");
            }
            if (ALWAYS_THERE.contains(first)) continue;
            if (top == null) top = topLevelEntries.get();
            if (!top.contains(first)) {
                throw Failure.InvalidGuestPath.with("volume guest path " + v.getGuestPath() + ": image " + imageRef + " has no /"
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
}
