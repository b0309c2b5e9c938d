package dev.bootc.pb.ssh;

import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.port.Ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@link Ssh} for guests on this host: key pairs made with Apache SSHD, ports from the host's
 * {@link PortRegistry}, readiness probed with an SSHD client handshake, sessions through OpenSSH's
 * own client.
 */
public final class GuestSsh implements Ssh {
    private final PortRegistry ports;
    private final SshReadinessProbe probe = new SshReadinessProbe();
    private final SshConnector connector = new SshConnector();

    /** @param portsDir where the host's port reservations are kept */
    public GuestSsh(Path portsDir) {
        this.ports = new PortRegistry(portsDir, new SshPortAllocator());
    }

    @Override
    public SshKey ensureKey(Path vmDir, SshKeyType type, String comment) {
        SshKeyPair pair = SshKeyPair.loadOrCreate(vmDir, comment, type);
        return new SshKey(pair.privateKeyFile(), pair.publicKey());
    }

    /** Looks at the files only: no key is parsed, so {@code pb ssh} loads no crypto. */
    @Override
    public Optional<SshKey> existingKey(Path vmDir) {
        Path priv = SshKeyPair.privateKeyIn(vmDir);
        if (!Files.exists(priv)) return Optional.empty();
        try {
            return Optional.of(new SshKey(priv, Files.readString(SshKeyPair.publicKeyFileOf(priv)).strip()));
        } catch (IOException e) {
            return Optional.of(new SshKey(priv, null));
        }
    }

    @Override
    public Reservation reservePorts(String owner, Integer current, List<HostPort> forwards) {
        return ports.reserve(owner, current, forwards);
    }

    @Override
    public Optional<PortHolder> portHolder(HostPort port) {
        return ports.holder(port);
    }

    @Override
    public void releasePorts(String owner, Integer sshPort) {
        ports.release(owner, sshPort);
    }

    @Override
    public Probe probe(String host, int port, String user, Path privateKey) {
        SshKeyPair keys = new SshKeyPair(privateKey, SshKeyPair.publicKeyFileOf(privateKey), null);
        SshReadinessProbe.Result r = probe.check(host, port, user, keys.keyPair());
        return new Probe(r.ready(), r.message());
    }

    @Override
    public int connect(Target target, List<String> command) {
        return connector.run(target, command == null ? List.of() : command);
    }

    @Override
    public ScriptRun runScript(Target target, String script, Duration timeout) {
        SshConnector.Captured r = connector.capture(target, script, timeout);
        return new ScriptRun(r.exitCode(), r.output());
    }

    @Override
    public Exec exec(Target target, String commandLine, java.time.Duration timeout) {
        return connector.exec(target, commandLine, timeout);
    }
}
