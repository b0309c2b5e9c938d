package dev.bootc.pb.ssh;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Locale;

/**
 * Tells whether a VM's SSH is ready, by doing what a user would: a real SSH handshake and key
 * authentication (Apache SSHD client). Polls at most every 250 ms and reports why it is not ready
 * yet. Each attempt first waits for the server's SSH banner on a plain socket: while the guest
 * boots, QEMU accepts connections and drops them, which SSHD would log as errors. The server's host
 * key is not checked here: {@link SshConnector} pins it for users.
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

    private final Duration attemptTimeout;

    public SshReadinessProbe() {
        this(Duration.ofSeconds(5));
    }

    /** {@code attemptTimeout} bounds one handshake; the caller decides when to look again. */
    public SshReadinessProbe(Duration attemptTimeout) {
        this.attemptTimeout = attemptTimeout;
    }

    /** One attempt. */
    public Result check(String host, int port, String user, KeyPair key) {
        long t0 = System.nanoTime();
        SshClient client = newClient();
        try {
            return attempt(client, host, port, user, key, attemptTimeout, 1, t0);
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

    private static Result attempt(SshClient client, String host, int port, String user, KeyPair key,
                                  Duration timeout, int attempts, long t0) {
        String where = user + "@" + host + ":" + port;
        Outcome outcome = awaitBanner(host, port, timeout);
        if (outcome != Outcome.READY) {
            return new Result(outcome, describe(outcome, where, null), attempts, Duration.ofNanos(System.nanoTime() - t0));
        }
        String message;
        try (ClientSession session = client.connect(user, host, port).verify(timeout).getSession()) {
            session.addPublicKeyIdentity(key);
            session.auth().verify(timeout);
            outcome = Outcome.READY;
            message = "SSH ready at " + where;
        } catch (IOException | RuntimeException e) {
            outcome = classify(e);
            message = describe(outcome, where, e);
        }
        return new Result(outcome, message, attempts, Duration.ofNanos(System.nanoTime() - t0));
    }

    /** READY when an SSH server greets us on host:port, else why not. */
    static Outcome awaitBanner(String host, int port, Duration timeout) {
        int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), ms);
            s.setSoTimeout(ms);
            InputStream in = s.getInputStream();
            // RFC 4253: the server may send other lines before its "SSH-" identification line
            StringBuilder line = new StringBuilder();
            for (int read = 0; read < 8192; read++) {
                int c = in.read();
                if (c < 0) return Outcome.CLOSED;
                if (c == '\n') {
                    if (line.toString().startsWith("SSH-")) return Outcome.READY;
                    line.setLength(0);
                } else if (line.length() < 256) {
                    line.append((char) c);
                }
            }
            return Outcome.ERROR;
        } catch (ConnectException | NoRouteToHostException e) {
            return Outcome.REFUSED;
        } catch (SocketTimeoutException e) {
            return Outcome.TIMEOUT;
        } catch (SocketException e) {
            return Outcome.CLOSED; // reset by QEMU's user networking when nothing listens in the guest
        } catch (IOException e) {
            return Outcome.ERROR;
        }
    }

    static Outcome classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) return Outcome.REFUSED;
            if (t instanceof SocketTimeoutException) return Outcome.TIMEOUT;
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
