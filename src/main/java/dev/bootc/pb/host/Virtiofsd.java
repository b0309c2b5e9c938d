package dev.bootc.pb.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The host half of virtiofs folder sharing: where this host's virtiofsd is. */
public final class Virtiofsd {
    /** Where distributions put it: Fedora and Debian 13 (package virtiofsd), Debian 12 (qemu-system-common). */
    public static final List<Path> CANDIDATES = List.of(Path.of("/usr/libexec/virtiofsd"), Path.of("/usr/lib/qemu/virtiofsd"));

    private Virtiofsd() {
    }

    public static Optional<Path> find() {
        return find(CANDIDATES);
    }

    static Optional<Path> find(List<Path> candidates) {
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }
}
