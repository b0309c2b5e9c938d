package dev.bootc.pb.ssh;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.HostLock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The host ports VMs' SSH is forwarded from, reserved on this host: {@code DIR/PORT} names the VM
 * holding it, {@code DIR/owners/NAMESPACE_NAME} the port a VM holds. A reservation costs the same
 * whatever the number of VMs (a random free port, no scan of the others); it holds across restarts of
 * pb and of the VM, and a port bound by anything else right now is skipped. One host lock serializes
 * reservations across threads and processes.
 */
final class PortRegistry {
    private final Path dir;
    private final SshPortAllocator allocator;

    PortRegistry(Path dir, SshPortAllocator allocator) {
        this.dir = dir;
        this.allocator = allocator;
    }

    int reserve(String owner, Integer current) {
        return HostLock.with(dir.resolve(".lock"), () -> {
            try {
                Path ownerFile = ownerFile(owner);
                if (current != null) {
                    claim(owner, current);
                    return current;
                }
                Integer held = readInt(ownerFile);
                if (held != null && owner.equals(read(portFile(held)))) return held;
                int port = allocator.allocate(p -> Files.exists(portFile(p)));
                claim(owner, port);
                return port;
            } catch (IOException e) {
                throw Failure.NoFreePort.with("cannot reserve an SSH port in " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    void release(String owner, int port) {
        HostLock.with(dir.resolve(".lock"), () -> {
            try {
                if (owner.equals(read(portFile(port)))) Files.deleteIfExists(portFile(port));
                Integer held = readInt(ownerFile(owner));
                if (held != null && held == port) Files.deleteIfExists(ownerFile(owner));
            } catch (IOException e) {
                // a stale reservation only keeps one port out of use
            }
            return null;
        });
    }

    private void claim(String owner, int port) throws IOException {
        if (!owner.equals(read(portFile(port)))) AtomicFiles.write(portFile(port), owner.getBytes(StandardCharsets.UTF_8), null);
        Integer held = readInt(ownerFile(owner));
        if (held == null || held != port) AtomicFiles.write(ownerFile(owner), Integer.toString(port).getBytes(StandardCharsets.UTF_8), null);
    }

    private Path portFile(int port) {
        return dir.resolve(Integer.toString(port));
    }

    private Path ownerFile(String owner) {
        return dir.resolve("owners").resolve(owner.replace('/', '_'));
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
