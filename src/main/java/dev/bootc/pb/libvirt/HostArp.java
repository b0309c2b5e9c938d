package dev.bootc.pb.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The host kernel's IPv4 neighbour table ({@code /proc/net/arp}): where a guest on a host bridge is, by its MAC. */
final class HostArp {
    /** ATF_COM: the entry is complete (the neighbour answered). */
    private static final int COMPLETE = 0x2;

    private HostArp() {
    }

    /** The IPv4 address of the complete entry with {@code mac}, if any. */
    static Optional<String> address(Path table, String mac) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            return Optional.empty();
        }
        return parse(lines, mac);
    }

    static Optional<String> parse(List<String> lines, String mac) {
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[3].equalsIgnoreCase(mac)) continue;
            int flags;
            try {
                flags = Integer.decode(f[2]);
            } catch (NumberFormatException e) {
                continue;
            }
            if ((flags & COMPLETE) != 0 && f[0].matches("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$")) return Optional.of(f[0]);
        }
        return Optional.empty();
    }
}
