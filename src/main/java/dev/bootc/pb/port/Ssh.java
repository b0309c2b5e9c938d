package dev.bootc.pb.port;

import dev.bootc.pb.api.SshKeyType;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The port to SSH: the VMs' own key pairs, their forwarded ports, readiness probes and sessions. */
public interface Ssh {

    /** The VM's key pair in {@code vmDir} (whatever its type: a VM keeps its key), made now as {@code type} when there is none. */
    SshKey ensureKey(Path vmDir, SshKeyType type, String comment);

    /** The key pair in {@code vmDir}, if one was made. */
    Optional<SshKey> existingKey(Path vmDir);

    /**
     * The host port the VM's SSH is forwarded from: {@code current} when it has one (claimed for it
     * again), else a free one no other VM holds. {@code owner} names the VM ("namespace/name").
     */
    int reservePort(String owner, Integer current);

    /** Gives a port back once its VM is gone. */
    void releasePort(String owner, int port);

    /** One SSH handshake with the VM's key: logged in, or why not. */
    Probe probe(int port, String user, Path privateKey);

    /** An SSH session (a shell, or a command) with the caller's terminal; returns the remote status, 255 when SSH failed. */
    int connect(Target target, List<String> command);

    /** A VM's key pair: the private key file and the public key line. */
    record SshKey(Path privateKey, String publicKey) {
    }

    /** The result of one probe. */
    record Probe(boolean ready, String reason) {
    }

    /** Where a session goes: 127.0.0.1:port as user, with the VM's key and its pinned host key. */
    record Target(int port, String user, Path privateKey, Path knownHosts) {
    }
}
