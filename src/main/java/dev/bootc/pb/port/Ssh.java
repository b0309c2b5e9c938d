package dev.bootc.pb.port;

import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.api.SshKeyType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The port to SSH: the VMs' own key pairs, their forwarded ports, readiness probes and sessions. */
public interface Ssh {

    /** The VM's key pair in {@code vmDir} (whatever its type: a VM keeps its key), made now as {@code type} when there is none. */
    SshKey ensureKey(Path vmDir, SshKeyType type, String comment);

    /** The key pair in {@code vmDir}, if one was made. */
    Optional<SshKey> existingKey(Path vmDir);

    /**
     * Reserves, at once and under the host's lock, every host port of one VM ({@code owner} names it in the
     * host's registry): its SSH port ({@code current} when it has one, claimed again; else the one it holds;
     * else a free one no VM holds, never one of {@code forwards}) and exactly {@code forwards} as its forwarded
     * host ports (those it forwarded before and no longer does are given back). When one of them is another
     * VM's, or a forward is the VM's own SSH port, nothing changes and the reservation names the holder.
     */
    Reservation reservePorts(String owner, Integer current, List<HostPort> forwards);

    /** Who holds {@code port} on this host now (its SSH port or a forward, running or not), if anyone. */
    Optional<PortHolder> portHolder(HostPort port);

    /** Gives back every port {@code owner} holds, {@code sshPort} (as its domain recorded it) too, once its VM is gone. */
    void releasePorts(String owner, Integer sshPort);

    /** One SSH handshake with the VM's key at host:port (127.0.0.1 and its forwarded port, or the guest's own address): logged in, or why not. */
    Probe probe(String host, int port, String user, Path privateKey);

    /** An SSH session (a shell, or a command) with the caller's terminal; returns the remote status, 255 when SSH failed. */
    int connect(Target target, List<String> command);

    /**
     * Runs {@code script} in the guest with the target user's shell, in batch mode (no terminal, nothing on stdin), the
     * guest's host key pinned in the target's known_hosts as {@code pb ssh} pins it. Returns the script's exit status
     * (255: SSH itself failed, or the time ran out) and the end of what it printed on stdout and stderr.
     * Fails with SshMissing when this host has no SSH client.
     */
    ScriptRun runScript(Target target, String script, Duration timeout);

    /** What a script run over SSH gave. */
    record ScriptRun(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * One command line run by the guest's shell, with no terminal and no input, its output captured: status 255 when
     * SSH itself failed (the guest went away, a reboot), and a timed-out command is ended and reported as 255 too.
     */
    Exec exec(Target target, String commandLine, java.time.Duration timeout);

    /** What a command run over SSH gave: its status and output. */
    record Exec(int status, String stdout, String stderr) {
        public boolean ok() {
            return status == 0;
        }

        /** SSH itself failed (status 255): the guest did not answer, or went away while the command ran. */
        public boolean sshFailed() {
            return status == 255;
        }
    }

    /** A VM's key pair: the private key file and the public key line. */
    record SshKey(Path privateKey, String publicKey) {
    }

    /** A port of this host: its protocol and number (an SSH port is tcp). */
    record HostPort(Protocol protocol, int port) {
        public static HostPort tcp(int port) {
            return new HostPort(Protocol.tcp, port);
        }

        @Override
        public String toString() {
            return protocol == Protocol.tcp ? Integer.toString(port) : port + "/" + protocol;
        }
    }

    /** Who holds a host port: the owner as it reserved it, and whether it is that VM's SSH port (else one of its forwards). */
    record PortHolder(HostPort port, String owner, boolean ssh) {
    }

    /** What a reservation gave: the VM's SSH port; or, when {@code conflict} is set, nothing (the first port asked that another holds). */
    record Reservation(int sshPort, PortHolder conflict) {
        public static Reservation refused(PortHolder conflict) {
            return new Reservation(0, conflict);
        }
    }

    /** The result of one probe. */
    record Probe(boolean ready, String reason) {
    }

    /** Where a session goes: host:port (127.0.0.1 and the VM's forwarded port, or the guest's own address) as user, with the VM's key and its pinned host key. */
    record Target(String host, int port, String user, Path privateKey, Path knownHosts) {
    }
}
