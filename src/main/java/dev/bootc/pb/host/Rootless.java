package dev.bootc.pb.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What an ordinary user needs for pb without root, beyond the programs: subordinate ids, and KVM if the host has it. */
final class Rootless {
    /** A range of 65,536 ids, as useradd gives. */
    static final long RANGE = 65_536;

    private Rootless() {
    }

    static List<HostDoctor.Finding> findings(String user, Path subuid, Path subgid, Path kvm) {
        List<HostDoctor.Finding> out = new ArrayList<>();
        boolean uids = hasRange(subuid, user);
        boolean gids = hasRange(subgid, user);
        long start = Math.max(nextFree(subuid), nextFree(subgid));
        String range = start + "-" + (start + RANGE - 1);
        out.add(new HostDoctor.Finding("subordinate ids of " + user, uids && gids, true,
                uids && gids ? "in " + subuid + " and " + subgid
                        : "missing in " + (uids ? subgid : gids ? subuid : subuid + " and " + subgid) + ": rootless podman cannot run",
                List.of(), "as root: usermod --add-subuids " + range + " --add-subgids " + range + " " + user + " && podman system migrate"));
        if (Files.exists(kvm)) {
            boolean usable = Files.isReadable(kvm) && Files.isWritable(kvm);
            out.add(new HostDoctor.Finding("KVM for " + user, usable, false,
                    usable ? kvm + " is usable" : kvm + " is not usable by " + user + ": VMs would run under TCG emulation",
                    List.of(), "as root: usermod -aG kvm " + user + ", then log in again"));
        }
        return out;
    }

    /** Whether {@code user} (by name) has a range in a subordinate id file (NAME:START:COUNT lines). */
    static boolean hasRange(Path file, String user) {
        return lines(file).stream().anyMatch(l -> l.startsWith(user + ":"));
    }

    /** The first id after every range of the file, at least 100,000 (where useradd starts). */
    static long nextFree(Path file) {
        long next = 100_000;
        for (String l : lines(file)) {
            String[] f = l.split(":");
            if (f.length < 3) continue;
            try {
                next = Math.max(next, Long.parseLong(f[1].trim()) + Long.parseLong(f[2].trim()));
            } catch (NumberFormatException e) {
                // not a range
            }
        }
        return next;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
