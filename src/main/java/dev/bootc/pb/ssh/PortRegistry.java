package dev.bootc.pb.ssh;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.port.Ssh.HostPort;
import dev.bootc.pb.port.Ssh.PortHolder;
import dev.bootc.pb.port.Ssh.Reservation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The host ports VMs hold on this host, SSH and forwards alike, running or stopped: {@code DIR/PORT}
 * ({@code DIR/udp-PORT} for udp) names the VM holding it, {@code DIR/owners/OWNER} the SSH port a VM holds,
 * {@code DIR/forwards/OWNER} its forwarded ports, one a line. One table for both kinds is what keeps an SSH
 * port off a port a stopped VM forwards, and a forward off another VM's SSH port. A reservation costs the
 * same whatever the number of VMs (a random free port, no scan of the others); it holds across restarts of
 * pb and of the VM, and a port bound by anything else right now is skipped. One host lock serializes
 * reservations across threads and processes, so a check and its claim are one step.
 */
final class PortRegistry {
    private final Path dir;
    private final SshPortAllocator allocator;

    PortRegistry(Path dir, SshPortAllocator allocator) {
        this.dir = dir;
        this.allocator = allocator;
    }

    Reservation reserve(String owner, Integer current, List<HostPort> forwards) {
        return HostLock.with(dir.resolve(".lock"), () -> {
            try {
                Set<HostPort> wanted = new LinkedHashSet<>(forwards);
                for (HostPort f : wanted) {
                    String holder = read(portFile(f));
                    if (holder != null && !holder.equals(owner)) return Reservation.refused(holderOf(f, holder));
                }
                Integer held = readInt(ownerFile(owner));
                int ssh;
                if (current != null) {
                    String holder = read(portFile(HostPort.tcp(current)));
                    if (holder != null && !holder.equals(owner)) return Reservation.refused(holderOf(HostPort.tcp(current), holder));
                    ssh = current;
                } else if (held != null && owner.equals(read(portFile(HostPort.tcp(held)))) && !wanted.contains(HostPort.tcp(held))) {
                    ssh = held;
                } else {
                    // a port only the registry remembered (no domain records it) may move off a port now wanted as a forward
                    ssh = allocator.allocate(p -> wanted.contains(HostPort.tcp(p)) || Files.exists(portFile(HostPort.tcp(p))));
                }
                if (wanted.contains(HostPort.tcp(ssh))) return Reservation.refused(new PortHolder(HostPort.tcp(ssh), owner, true));
                claim(owner, HostPort.tcp(ssh));
                if (held == null || held != ssh) write(ownerFile(owner), Integer.toString(ssh));
                if (held != null && held != ssh && !wanted.contains(HostPort.tcp(held))) releaseIfOwned(owner, HostPort.tcp(held));
                for (HostPort old : forwardsOf(owner)) {
                    if (!wanted.contains(old) && !old.equals(HostPort.tcp(ssh))) releaseIfOwned(owner, old);
                }
                for (HostPort f : wanted) claim(owner, f);
                if (wanted.isEmpty()) {
                    Files.deleteIfExists(forwardsFile(owner));
                } else {
                    write(forwardsFile(owner), String.join("\n", wanted.stream().map(PortRegistry::fileName).toList()));
                }
                return new Reservation(ssh, null);
            } catch (IOException e) {
                throw Failure.NoFreePort.with("cannot reserve host ports in " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    /** Who holds {@code port}: read without the lock, since every file is replaced whole (a check before anything is written). */
    Optional<PortHolder> holder(HostPort port) {
        try {
            String owner = read(portFile(port));
            return owner == null ? Optional.empty() : Optional.of(holderOf(port, owner));
        } catch (IOException e) {
            throw Failure.NoFreePort.with("cannot read the host's port reservations in " + dir + ": " + e.getMessage(), e);
        }
    }

    void release(String owner, Integer sshPort) {
        HostLock.with(dir.resolve(".lock"), () -> {
            try {
                if (sshPort != null) releaseIfOwned(owner, HostPort.tcp(sshPort));
                Integer held = readInt(ownerFile(owner));
                if (held != null) releaseIfOwned(owner, HostPort.tcp(held));
                for (HostPort f : forwardsOf(owner)) releaseIfOwned(owner, f);
                Files.deleteIfExists(ownerFile(owner));
                Files.deleteIfExists(forwardsFile(owner));
            } catch (IOException e) {
                // a stale reservation only keeps its ports out of use
            }
            return null;
        });
    }

    private PortHolder holderOf(HostPort port, String owner) throws IOException {
        boolean ssh = port.protocol() == Protocol.tcp && Integer.valueOf(port.port()).equals(readInt(ownerFile(owner)));
        return new PortHolder(port, owner, ssh);
    }

    private void claim(String owner, HostPort port) throws IOException {
        if (!owner.equals(read(portFile(port)))) write(portFile(port), owner);
    }

    private void releaseIfOwned(String owner, HostPort port) throws IOException {
        if (owner.equals(read(portFile(port)))) Files.deleteIfExists(portFile(port));
    }

    private List<HostPort> forwardsOf(String owner) throws IOException {
        String text = read(forwardsFile(owner));
        List<HostPort> out = new ArrayList<>();
        if (text == null) return out;
        for (String line : text.split("\n")) {
            HostPort p = parse(line.strip());
            if (p != null) out.add(p);
        }
        return out;
    }

    private Path portFile(HostPort port) {
        return dir.resolve(fileName(port));
    }

    /** tcp ports keep the name SSH ports always had (the bare number); udp ones are apart: they do not collide with tcp. */
    private static String fileName(HostPort port) {
        return port.protocol() == Protocol.tcp ? Integer.toString(port.port()) : port.protocol() + "-" + port.port();
    }

    private static HostPort parse(String name) {
        try {
            if (name.startsWith("udp-")) return new HostPort(Protocol.udp, Integer.parseInt(name.substring(4)));
            return name.isEmpty() ? null : HostPort.tcp(Integer.parseInt(name));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Path ownerFile(String owner) {
        return dir.resolve("owners").resolve(owner.replace('/', '_'));
    }

    private Path forwardsFile(String owner) {
        return dir.resolve("forwards").resolve(owner.replace('/', '_'));
    }

    private static void write(Path f, String text) throws IOException {
        AtomicFiles.write(f, text.getBytes(StandardCharsets.UTF_8), null);
    }

    private static String read(Path f) throws IOException {
        try {
            return Files.readString(f).strip();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Integer readInt(Path f) throws IOException {
        String s = read(f);
        if (s == null) return null;
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
