package dev.bootc.pb.ssh;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe against local stand-ins: nothing listening, a port that drops connections, a silent one, a real sshd. */
class SshReadinessProbeTest {
    final SshReadinessProbe probe = new SshReadinessProbe(Duration.ofSeconds(2));

    static KeyPair ed25519() throws Exception {
        return KeyUtils.generateKeyPair("ssh-ed25519", 256);
    }

    @Test
    void refusedWhenNothingListens() throws Exception {
        int port = new SshPortAllocator().allocate(Set.of());
        SshReadinessProbe.Result r = probe.check("127.0.0.1", port, "root", ed25519());
        assertEquals(SshReadinessProbe.Outcome.REFUSED, r.outcome());
        assertTrue(r.message().contains("refused"), r.message());
    }

    @Test
    void closedWhenTheConnectionIsDroppedLikeQemuDoesWhileTheGuestBoots() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.setSoLinger(true, 0); // RST, as slirp does
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            SshReadinessProbe.Result r = probe.check("127.0.0.1", server.getLocalPort(), "root", ed25519());
            assertEquals(SshReadinessProbe.Outcome.CLOSED, r.outcome(), r.message());
        }
    }

    @Test
    void timeoutWhenNoBannerComes() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            SshReadinessProbe quick = new SshReadinessProbe(Duration.ofMillis(500));
            assertEquals(SshReadinessProbe.Outcome.TIMEOUT, quick.check("127.0.0.1", server.getLocalPort(), "root", ed25519()).outcome());
        }
    }

    @Test
    void readyWithTheRightKeyAndAuthFailedWithAnother() throws Exception {
        KeyPair good = ed25519();
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(new SimpleGeneratorHostKeyProvider());
        sshd.setPublickeyAuthenticator((user, key, session) -> user.equals("core") && KeyUtils.compareKeys(key, good.getPublic()));
        sshd.start();
        try {
            int port = sshd.getPort();
            SshReadinessProbe.Result ok = new SshReadinessProbe(Duration.ofSeconds(30)).check("127.0.0.1", port, "core", good);
            assertTrue(ok.ready(), ok.message());
            SshReadinessProbe.Result denied = probe.check("127.0.0.1", port, "core", ed25519());
            assertEquals(SshReadinessProbe.Outcome.AUTH_FAILED, denied.outcome(), denied.message());
            assertEquals(SshReadinessProbe.Outcome.AUTH_FAILED, probe.check("127.0.0.1", port, "root", good).outcome());
        } finally {
            sshd.stop(true);
        }
    }

    /**
     * OpenSSH 9.8+ (Fedora 42, CentOS Stream 10, the Debian trixie fixture) penalises a source address for every
     * connection closed without attempting authentication ({@code PerSourcePenalties noauth:1s}, enforced from
     * 15 s on), and every host connection reaches a guest from one address (the user network's gateway): measured,
     * a probe that read the banner on a connection of its own locked pb and the user's own ssh out for 33 s. So
     * every connection the probe makes to an SSH server goes on to authenticate.
     */
    @Test
    void everyConnectionToAnSshServerAttemptsAuthentication() throws Exception {
        KeyPair good = ed25519();
        Set<Session> attempted = ConcurrentHashMap.newKeySet();
        AtomicInteger withoutAttempt = new AtomicInteger();
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(new SimpleGeneratorHostKeyProvider());
        sshd.setPublickeyAuthenticator((user, key, session) -> {
            attempted.add(session);
            return KeyUtils.compareKeys(key, good.getPublic());
        });
        sshd.addSessionListener(new SessionListener() {
            @Override
            public void sessionClosed(Session session) {
                if (!attempted.contains(session)) withoutAttempt.incrementAndGet();
            }
        });
        sshd.start();
        try {
            SshReadinessProbe patient = new SshReadinessProbe(Duration.ofSeconds(30));
            assertTrue(patient.check("127.0.0.1", sshd.getPort(), "root", good).ready());
            assertEquals(SshReadinessProbe.Outcome.AUTH_FAILED, patient.check("127.0.0.1", sshd.getPort(), "root", ed25519()).outcome());
        } finally {
            sshd.stop(true);
        }
        assertEquals(0, withoutAttempt.get(), "connections closed without attempting authentication (OpenSSH's noauth penalty)");
    }
}
