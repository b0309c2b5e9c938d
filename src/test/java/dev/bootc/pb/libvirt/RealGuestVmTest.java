package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.ssh.SshConnector;
import dev.bootc.pb.ssh.SshCredentials;
import dev.bootc.pb.ssh.SshKeyPair;
import dev.bootc.pb.ssh.SshPortAllocator;
import dev.bootc.pb.ssh.SshReadinessProbe;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Boots one real guest on qemu:///system (TCG here, ~30-100 s depending on load) and checks the VM
 * engine end to end against it: SMBIOS key credentials for root and another user, the readiness
 * probe, pb ssh, host key pinning, port forwards bound to 127.0.0.1 only, a read-only virtiofs
 * folder mounted through a fstab.extra credential, lifecycle events and graceful ACPI shutdown.
 * Starts libvirtd when it is not running and fails (never skips) when it cannot. The guest disk is
 * $PB_TEST_DISK, else /var/tmp/pb-test-disk/debian-trixie.qcow2, built by
 * src/test/vm/build-debian-disk.sh when missing (~2 min).
 */
@Tag("vm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealGuestVmTest {
    static final String URI = "qemu:///system";
    static final Path CACHED_DISK = Path.of("/var/tmp/pb-test-disk/debian-trixie.qcow2");
    static final String USER = "pbtest";
    static final String MARKER = "shared from the host " + Instant.now();

    final String name = "pb-vmtest-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    final Path imagesDir = Path.of("/var/lib/libvirt/images").resolve(name);
    Path vmDir;
    LibvirtHypervisor hv;
    SshKeyPair key;
    int sshPort;
    int forwardPort;
    DomainSpec spec;
    AutoCloseable subscription;
    final BlockingQueue<DomainEvent> events = new LinkedBlockingQueue<>();
    final SshConnector connector = new SshConnector();

    @BeforeAll
    void boot() throws Exception {
        ensureLibvirtd();
        Path base = baseDisk();
        vmDir = Files.createTempDirectory(Path.of("/var/tmp"), name + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectories(imagesDir);
        Path disk = imagesDir.resolve("disk.qcow2");
        run(Duration.ofMinutes(1), "qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", disk.toString());
        Path share = Files.createDirectories(vmDir.resolve("share"));
        Files.writeString(share.resolve("marker"), MARKER);

        hv = LibvirtHypervisor.connect(URI);
        key = SshKeyPair.loadOrCreate(vmDir, "pb-vmtest");
        Set<Integer> inUse = new HashSet<>();
        hv.listOwnedDomains().forEach(d -> d.pbMetadata().map(PbMetadata::sshPort).ifPresent(inUse::add));
        SshPortAllocator ports = new SshPortAllocator();
        sshPort = ports.allocate(inUse);
        inUse.add(sshPort);
        forwardPort = ports.allocate(inUse);

        DomainSpec.Builder b = DomainSpec.builder(name).memoryMiB(1024).vcpus(2).firmware(Firmware.uefi)
                .nvramPath(imagesDir.resolve("nvram.fd")).diskPath(disk).serialLogPath(vmDir.resolve("serial.log"))
                .network(NetworkMode.user).sshPort(sshPort)
                .forward(new DomainSpec.HostForward(Protocol.tcp, "127.0.0.1", forwardPort, 22))
                .sharedFolder(share, "/mnt/pbshare", true)
                .smbiosStrings(SshCredentials.smbiosStrings("root", List.of(key.publicKey())))
                .smbiosStrings(SshCredentials.smbiosStrings(USER, List.of(key.publicKey())))
                .metadata(new PbMetadata("default", name, "uid-1", "localhost/pb-test-disk", null, sshPort, "root",
                        key.privateKeyFile().toString(), Instant.now()));
        DomainSpec withoutMounts = b.build();
        spec = b.smbiosString(VirtiofsMounts.fstabCredential(withoutMounts.sharedFolders()).orElseThrow()).build();
        assertEquals(Accel.TCG, spec.accel(), "this host has no usable KVM (HOST.md)");

        subscription = hv.subscribe(events::add);
        hv.define(spec);
        long t0 = System.nanoTime();
        hv.start(name);
        SshReadinessProbe.Result ready = new SshReadinessProbe()
                .await("127.0.0.1", sshPort, "root", key.keyPair(), Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("MEASURED boot-to-SSH: %.1f s (%d probe attempts, last outcome %s)%n",
                seconds, ready.attempts(), ready.outcome());
        assertTrue(ready.ready(), ready.message() + "\nserial log tail:\n" + tail(vmDir.resolve("serial.log")));
    }

    @AfterAll
    void cleanUp() {
        List<Throwable> problems = new ArrayList<>();
        attempt(problems, () -> { if (subscription != null) subscription.close(); });
        if (hv != null) {
            attempt(problems, () -> hv.destroy(name));
            attempt(problems, () -> hv.undefine(name));
            attempt(problems, hv::close);
        }
        attempt(problems, () -> deleteTree(imagesDir));
        attempt(problems, () -> { if (vmDir != null) deleteTree(vmDir); });
        if (!problems.isEmpty()) fail("clean-up failed: " + problems);
    }

    @Test
    @Order(1)
    void domainIsOursAndRunning() throws Exception {
        DomainInfo info = hv.find(name).orElseThrow();
        assertEquals(DomainInfo.State.RUNNING, info.state());
        assertEquals(spec.metadata(), info.metadata());
        assertTrue(hv.listOwnedDomains().stream().anyMatch(d -> d.name().equals(name)));
        DomainEvent started = awaitEvent(DomainEvent.Type.STARTED);
        assertEquals("default", started.ownerNamespace());
        assertEquals(name, started.ownerName());
    }

    @Test
    @Order(2)
    void sshRunsCommandsAndPassesTheirStatus() throws Exception {
        assertEquals(new Ran(0, "ok\n"), ssh("root", List.of("echo", "ok")));
        assertEquals(7, ssh("root", List.of("sh", "-c", "exit 7")).status());
        assertEquals(3, ssh("root", List.of("exit 3")).status(), "a single argument is a shell command line");

        Path in = vmDir.resolve("stdin.txt");
        Files.writeString(in, "line one\nline two\n");
        Path out = vmDir.resolve("stdout.txt");
        int status = connector.run(target("root", vmDir.resolve("known_hosts")), List.of("cat"),
                ProcessBuilder.Redirect.from(in.toFile()), ProcessBuilder.Redirect.to(out.toFile()));
        assertEquals(0, status);
        assertEquals("line one\nline two\n", Files.readString(out), "stdin passes through");
    }

    @Test
    @Order(3)
    void otherUserIsCreatedAndReachable() throws Exception {
        SshReadinessProbe.Result r = new SshReadinessProbe().check("127.0.0.1", sshPort, USER, key.keyPair());
        assertTrue(r.ready(), r.message());
        assertEquals(new Ran(0, USER + "\n/home/" + USER + "\n"), ssh(USER, List.of("id -un; echo $HOME")));
        assertEquals(new Ran(0, "700\n600\n"), ssh(USER, List.of("stat -c %a ~/.ssh; stat -c %a ~/.ssh/authorized_keys")));
    }

    @Test
    @Order(4)
    void hostKeyIsPinnedAndAChangedOneRefused() throws Exception {
        assertEquals(0, ssh("root", List.of("true")).status());
        String pinned = Files.readString(vmDir.resolve("known_hosts"));
        assertTrue(pinned.startsWith("[127.0.0.1]:" + sshPort + " "), pinned);

        Path forged = vmDir.resolve("known_hosts.forged");
        String otherKey = org.apache.sshd.common.config.keys.PublicKeyEntry.toString(
                KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic());
        Files.writeString(forged, "[127.0.0.1]:" + sshPort + " " + otherKey + "\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        SshConnector watched = new SshConnector(SshConnector.SSH, new PrintStream(err, true, StandardCharsets.UTF_8));
        Path out = vmDir.resolve("forged.out");
        int status = watched.run(target("root", forged), List.of("echo", "should not run"),
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.to(out.toFile()));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(255, status, stderr);
        assertEquals("", Files.readString(out));
        assertTrue(stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), stderr);
        assertTrue(stderr.contains("pb: the VM's SSH host key is not the one pinned"), stderr);
    }

    @Test
    @Order(5)
    void portForwardsListenOnLoopbackOnly() throws Exception {
        assertTrue(banner("127.0.0.1", forwardPort).startsWith("SSH-2.0-"), "forwarded port reaches the guest");
        String hostIp = hostAddress();
        assertFalse(reachable(hostIp, forwardPort), "forward must not be reachable on " + hostIp);
        assertFalse(reachable(hostIp, sshPort), "SSH port must not be reachable on " + hostIp);
    }

    @Test
    @Order(6)
    void virtiofsFolderIsMountedReadOnly() throws Exception {
        assertEquals(new Ran(0, MARKER), ssh("root", List.of("cat", "/mnt/pbshare/marker")));
        assertEquals(new Ran(0, "virtiofs ro\n"), ssh("root", List.of("findmnt -n -o FSTYPE,OPTIONS /mnt/pbshare | sed 's/,.*//'")));
        assertTrue(ssh("root", List.of("touch /mnt/pbshare/x 2>/dev/null")).status() != 0, "read-only mount");
    }

    @Test
    @Order(7)
    void probeSaysWhyNotReady() throws Exception {
        SshReadinessProbe probe = new SshReadinessProbe();
        int unused = new SshPortAllocator().allocate(Set.of(sshPort, forwardPort));
        assertEquals(SshReadinessProbe.Outcome.REFUSED, probe.check("127.0.0.1", unused, "root", key.keyPair()).outcome());
        SshReadinessProbe.Result wrongKey = probe.check("127.0.0.1", sshPort, "root", KeyUtils.generateKeyPair("ssh-ed25519", 256));
        assertEquals(SshReadinessProbe.Outcome.AUTH_FAILED, wrongKey.outcome(), wrongKey.message());
    }

    @Test
    @Order(100)
    void gracefulShutdown() throws Exception {
        long t0 = System.nanoTime();
        boolean graceful = hv.shutdown(name, Duration.ofMinutes(2));
        System.out.printf("MEASURED ACPI shutdown: %.1f s (graceful=%s)%n", (System.nanoTime() - t0) / 1e9, graceful);
        assertTrue(graceful, "guest powers off on an ACPI shutdown request");
        assertEquals(DomainInfo.State.SHUTOFF, hv.find(name).orElseThrow().state());
        assertEquals(name, awaitEvent(DomainEvent.Type.STOPPED).ownerName());
    }

    // -- helpers

    record Ran(int status, String stdout) {
    }

    SshConnector.Target target(String user, Path knownHosts) {
        return new SshConnector.Target("127.0.0.1", sshPort, user, key.privateKeyFile(), knownHosts);
    }

    Ran ssh(String user, List<String> command) throws IOException {
        Path out = Files.createTempFile(vmDir, "ssh", ".out");
        int status = connector.run(target(user, vmDir.resolve("known_hosts")), command,
                ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.to(out.toFile()));
        return new Ran(status, Files.readString(out));
    }

    DomainEvent awaitEvent(DomainEvent.Type type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            DomainEvent e = events.poll(1, TimeUnit.SECONDS);
            if (e != null && e.domainName().equals(name) && e.type() == type) return e;
        }
        return fail("no " + type + " event for " + name + " within 30 s");
    }

    static String banner(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 5000);
            s.setSoTimeout(30000);
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) > 0 && c != '\n') sb.append((char) c);
            return sb.toString();
        }
    }

    static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 3000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The host's first non-loopback IPv4 address, from `hostname -I`. */
    static String hostAddress() throws Exception {
        String out = run(Duration.ofSeconds(10), "hostname", "-I");
        return Stream.of(out.trim().split("\\s+")).filter(a -> a.matches("\\d+\\.\\d+\\.\\d+\\.\\d+") && !a.startsWith("127."))
                .findFirst().orElseThrow(() -> new AssertionError("no IPv4 address in `hostname -I`: " + out));
    }

    static void ensureLibvirtd() throws Exception {
        for (String daemon : List.of("virtlogd", "libvirtd")) {
            Process p = new ProcessBuilder("pgrep", "-x", daemon).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) run(Duration.ofSeconds(30), daemon, "-d");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (LibvirtHypervisor h = LibvirtHypervisor.connect(URI, Accel.TCG)) {
                h.listOwnedDomains();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) fail("libvirtd does not answer on " + URI + ": " + e.getMessage());
                Thread.sleep(500);
            }
        }
    }

    static Path baseDisk() throws Exception {
        String env = System.getenv("PB_TEST_DISK");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            assertTrue(Files.isReadable(p), "PB_TEST_DISK=" + env + " is not readable");
            return p;
        }
        if (!Files.exists(CACHED_DISK)) {
            long t0 = System.nanoTime();
            run(Duration.ofMinutes(20), "bash", "src/test/vm/build-debian-disk.sh", "trixie", CACHED_DISK.toString());
            System.out.printf("MEASURED test disk build: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        return CACHED_DISK;
    }

    static String run(Duration timeout, String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        reader.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within " + timeout);
        }
        reader.join();
        String text = new String(Objects.requireNonNullElse(out[0], new byte[0]), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
        return text;
    }

    static String tail(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.ISO_8859_1);
            return s.substring(Math.max(0, s.length() - 3000));
        } catch (IOException e) {
            return "(no serial log: " + e.getMessage() + ")";
        }
    }

    interface Step {
        void run() throws Exception;
    }

    static void attempt(List<Throwable> problems, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            problems.add(t);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
