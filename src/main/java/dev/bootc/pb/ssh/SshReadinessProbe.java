package dev.bootc.pb.ssh;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.helpers.MissingAttachedSessionException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Locale;

/**
 * Tells whether a VM's SSH is ready, by doing what a user would: a real SSH handshake and key
 * authentication (Apache SSHD client), one connection per attempt. Every connection that reaches an
 * SSH server goes on to authenticate: OpenSSH 9.8+ penalises a source address for connections closed
 * without trying ({@code PerSourcePenalties noauth}), every host connection reaches a guest from the
 * user network's one gateway address, and a probe that only read the banner locked pb and the user's
 * own ssh out for half a minute (measured on the fixture's OpenSSH 10.0). A handshake under way is
 * given its time rather than dropped and begun again. The server's host key is not checked here:
 * {@link SshConnector} pins it for users.
 */
public final class SshReadinessProbe {
    /** Why a VM is (not) ready. */
    public enum Outcome {
        /** Handshake and key authentication succeeded. */
        READY,
        /** Nothing listens on the port (the VM or its user networking is not up). */
        REFUSED,
        /** The TCP connection was accepted and then closed: QEMU forwards, but sshd in the guest is not up yet. */
        CLOSED,
        /** No answer within the attempt's time. */
        TIMEOUT,
        /** sshd answered but refused the key: the credential did not reach the guest (or the user is wrong). */
        AUTH_FAILED,
        /** Anything else; the message says what. */
        ERROR
    }

    /** One verdict: its outcome, a message for a person, the attempts made and the time spent. */
    public record Result(Outcome outcome, String message, int attempts, Duration elapsed) {
        public boolean ready() {
            return outcome == Outcome.READY;
        }
    }

    private final Duration connectTimeout;
    private final Duration handshakeTimeout;

    /** 5 s for the TCP connection, 30 s for a handshake and login that began (a loaded TCG guest's key exchange is slow). */
    public SshReadinessProbe() {
        this(Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** {@code attemptTimeout} bounds the connection and the handshake alike; the caller decides when to look again. */
    public SshReadinessProbe(Duration attemptTimeout) {
        this(attemptTimeout, attemptTimeout);
    }

    public SshReadinessProbe(Duration connectTimeout, Duration handshakeTimeout) {
        this.connectTimeout = connectTimeout;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** One attempt. */
    public Result check(String host, int port, String user, KeyPair key) {
        long t0 = System.nanoTime();
        SshClient client = newClient();
        try {
            return attempt(client, host, port, user, key, t0);
        } finally {
            client.stop();
        }
    }

    private static SshClient newClient() {
        SshClient client = SshClient.setUpDefaultClient();
        // only what we pass: no ~/.ssh/config, no ~/.ssh keys, no writes to ~/.ssh/known_hosts
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setServerKeyVerifier((session, address, serverKey) -> true); // AcceptAll's own logs a warning each time
        client.start();
        return client;
    }

    private Result attempt(SshClient client, String host, int port, String user, KeyPair key, long t0) {
        String where = user + "@" + host + ":" + port;
        Outcome outcome;
        String message;
        try (ClientSession session = client.connect(user, host, port).verify(connectTimeout).getSession()) {
            session.addPublicKeyIdentity(key);
            session.auth().verify(handshakeTimeout);
            outcome = Outcome.READY;
            message = "SSH ready at " + where;
        } catch (IOException | RuntimeException e) {
            outcome = classify(e);
            message = describe(outcome, where, e);
        }
        return new Result(outcome, message, 1, Duration.ofNanos(System.nanoTime() - t0));
    }

    static Outcome classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) return Outcome.REFUSED;
            if (t instanceof SocketTimeoutException) return Outcome.TIMEOUT;
            // the peer reset the connection while the client was still setting its session up (QEMU/slirp
            // with no sshd behind it): SSHD tore the session down before the connect future could return it
            if (t instanceof MissingAttachedSessionException) return Outcome.CLOSED;
        }
        String m = messages(e).toLowerCase(Locale.ROOT);
        if (m.contains("connection refused")) return Outcome.REFUSED;
        if (m.contains("no more authentication methods") || m.contains("authentication failed")
                || m.contains("no authentication methods")) return Outcome.AUTH_FAILED;
        if (m.contains("timeout") || m.contains("timed out")) return Outcome.TIMEOUT;
        if (m.contains("closed") || m.contains("eof") || m.contains("reset") || m.contains("broken pipe")) {
            return Outcome.CLOSED;
        }
        return Outcome.ERROR;
    }

    private static String describe(Outcome outcome, String where, Throwable e) {
        return switch (outcome) {
            case REFUSED -> "connection to " + where + " refused: the VM or its port forward is not up";
            case CLOSED -> "connection to " + where + " closed before the SSH handshake finished: sshd in the guest is not up yet";
            case TIMEOUT -> "no SSH answer from " + where + " in time";
            case AUTH_FAILED -> "sshd at " + where + " refused the VM's key: the key credential did not reach the guest, or the user does not exist";
            default -> "SSH to " + where + " failed" + (e == null ? ": no SSH server answered" : ": " + messages(e));
        };
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (sb.length() > 0) sb.append(": ");
            sb.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
        }
        return sb.toString();
    }
}
