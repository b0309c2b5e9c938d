package dev.bootc.pb.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.e2e.Pb;
import dev.bootc.pb.e2e.Prerequisites;
import dev.bootc.pb.libvirt.LibvirtDomains;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.port.HostArch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault suite on real components: the packaged pb, libvirtd and QEMU on the system driver, podman and
 * the offline fixture image. Each case injects one fault and checks that pb recovers, loses nothing and
 * leaves nothing behind; the table at the end says how long each recovery took. VMs are shared between
 * cases to keep boots few (a TCG boot takes 60-200 s here): the VM two racing `pb run`s bring up is the
 * one whose libvirtd and QEMU are killed later, under an operator that is itself handed over.
 * The libvirtd it kills is its own ({@link PrivateLibvirtd}: the host's binaries, its own sockets and state), so it
 * runs beside the other end-to-end classes. By hand: {@code ./mvnw -B verify -Dit.test=FaultsIT -Dtest=NoShellTest}.
 */
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {
    /** The libvirtd this suite kills, and its URI (pb's PB_LIBVIRT_URI). */
    static PrivateLibvirtd libvirtd;
    static String URI;
    static final String VM = "fault-vm";
    static final String DOMAIN = "default_" + VM;
    static final String TOKEN = "pb-fault-token-" + Long.toHexString(System.nanoTime());
    /** Makes this run's SSH-less base disk a new cache entry, so its build can be interrupted. */
    static final String NONCE_KARG = "pb.fault=" + Long.toHexString(System.nanoTime());
    static final ObjectMapper JSON = new ObjectMapper();

    record Row(String fault, String injectedAt, String recovered, int dataLost, int leftovers) {
    }

    static final List<Row> TABLE = new CopyOnWriteArrayList<>();
    static Path home;
    static Pb pb;
    static Process operator;
    static Path operatorLog;
    static Process standby;
    static Path standbyLog;
    /** The base disk this run built for its SSH-less guest: removed at the end (its key holds this run's nonce). */
    static String nonceKey;

    @BeforeAll
    static void setUp() throws Exception {
        Pb fresh = Pb.onFreshHome("pb-faults-it");
        home = fresh.home();
        libvirtd = new PrivateLibvirtd(home.resolve("libvirtd"));
        libvirtd.start();
        URI = libvirtd.uri();
        pb = fresh.withEnv("PB_LIBVIRT_URI", URI);
    }

    /** Stops the operators this suite started (SIGTERM); whether they stopped in time. */
    static boolean stopOperators() throws InterruptedException {
        boolean stopped = true;
        for (Process p : new Process[]{operator, standby}) {
            if (p != null && p.isAlive()) {
                p.destroy();
                stopped &= p.waitFor(60, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
        return stopped;
    }

    @AfterAll
    static void tearDown() throws Exception {
        stopOperators();
        if (libvirtd == null) return; // set-up failed before anything was made
        ensureLibvirtd();
        if (pb != null) pb.run("rm", "-f", "--all");
        String left = host("virsh", "-c", URI, "list", "--all", "--name");
        libvirtd.close();
        if (nonceKey != null) {
            for (String ext : new String[]{".qcow2", ".json", ".log"}) Files.deleteIfExists(Path.of("/var/lib/libvirt/images/pb/base", nonceKey + ext));
        }
        for (Path log : new Path[]{home.resolve("operator-1.log"), home.resolve("operator-2.log")}) {
            if (Files.exists(log)) System.out.println(log.getFileName() + ":\n" + read(log));
        }
        printTable();
        assertFalse(left.lines().anyMatch(l -> l.strip().startsWith("default_fault-")), "domains of the fault suite left: " + left);
    }

    // ---- 6 + 1a: two pb run at once, and libvirtd killed while they wait for SSH

    @Test
    @Order(1)
    void twoRunsOfOneNameAtOnceWithLibvirtdKilledWhileTheyWaitForSsh() throws Exception {
        long t0 = System.nanoTime();
        Process a = pb.builder("run", "-B", "--name", VM, "--memory", "1G", Prerequisites.IMAGE).redirectErrorStream(true)
                .redirectOutput(home.resolve("run-a.log").toFile()).start();
        Process b = pb.builder("run", "-B", "--name", VM, "--memory", "1G", Prerequisites.IMAGE).redirectErrorStream(true)
                .redirectOutput(home.resolve("run-b.log").toFile()).start();
        // wait until the domain runs and pb waits for SSH, then kill libvirtd for 5 s
        waitFor(() -> domainState(DOMAIN).contains("running") || !a.isAlive() && !b.isAlive(), Duration.ofMinutes(10), "the domain runs");
        waitFor(() -> read(home.resolve("run-a.log")).contains("Waiting for SSH") || read(home.resolve("run-b.log")).contains("Waiting for SSH")
                || !a.isAlive() && !b.isAlive(), Duration.ofMinutes(2), "pb run waits for SSH");
        assertTrue(a.isAlive() || b.isAlive(), "a pb run still waits for SSH when libvirtd is killed:\n" + read(home.resolve("run-a.log")) + read(home.resolve("run-b.log")));
        double killedAt = seconds(t0);
        killLibvirtd();
        try {
            Thread.sleep(5000);
        } finally {
            startLibvirtd();
        }
        // either may win the race: the loser ends at once (exit 4), the winner when the guest answers SSH
        assertTrue(a.waitFor(20, TimeUnit.MINUTES) && b.waitFor(20, TimeUnit.MINUTES), "both pb run end");
        String logA = read(home.resolve("run-a.log"));
        String logB = read(home.resolve("run-b.log"));
        int ea = a.exitValue();
        int eb = b.exitValue();
        System.out.printf("pb run A exit %d:%n%s%npb run B exit %d:%n%s%n", ea, logA, eb, logB);
        // both connected, or one refused at once as a conflict (exit 4) with a message naming the VM
        assertTrue(ea == 0 && eb == 0 || ea == 0 && eb == 4 || ea == 4 && eb == 0, "exits " + ea + " and " + eb);
        if (ea == 4) assertTrue(logA.contains(VM) && logA.contains("already exists"), logA);
        if (eb == 4) assertTrue(logB.contains(VM) && logB.contains("already exists"), logB);
        List<String> ours = host("virsh", "-c", URI, "list", "--all", "--name").lines().map(String::strip).filter(l -> l.startsWith(DOMAIN)).toList();
        assertEquals(List.of(DOMAIN), ours, "one domain");
        JsonNode rows = listJson();
        long vms = 0;
        for (JsonNode r : rows) if (VM.equals(r.path("name").asText())) vms++;
        assertEquals(1, vms, "one VM: " + rows);
        // one argument: ssh hands the remote command to the guest's shell as one line
        Pb.Result ssh = pb.run("ssh", VM, "--", "echo " + TOKEN + " > /var/pb-token && sync");
        assertEquals(0, ssh.exit(), ssh.toString());
        // pb's own clock: when it went on after libvirtd was back (its first progress line after "trying again")
        String recovered = recoveredAfterRetry(List.of(logA, logB));
        TABLE.add(new Row("two `pb run --name " + VM + "` at once", "same moment", String.format(Locale.ROOT, "%.1f (exits %d, %d)", seconds(t0), ea, eb), 0,
                ours.size() - 1));
        TABLE.add(new Row("libvirtd SIGKILL, 5 s down", String.format(Locale.ROOT, "pb run waiting for SSH, %.0f s in", killedAt), recovered, 0, 0));
    }

    // ---- security of the running VM

    @Test
    @Order(2)
    void keysAndFoldersArePrivateAndForwardsListenOnLoopbackOnly() throws Exception {
        Path vmDir = pb.dataDir().resolve("vms/default/" + VM);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(vmDir)), vmDir.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(vmDir.getParent())), vmDir.getParent().toString());
        try (var s = Files.list(vmDir)) {
            for (Path f : s.filter(p -> p.getFileName().toString().startsWith("id_") && !p.getFileName().toString().endsWith(".pub")).toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
        }
        JsonNode vm = getJson(VM);
        int port = vm.at("/status/sshPort").asInt();
        assertTrue(port > 0, vm.toString());
        String pid = host("pgrep", "-f", "guest=" + DOMAIN + ",").strip().lines().findFirst().orElseThrow();
        String cmdline = new String(Files.readAllBytes(Path.of("/proc", pid, "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        Matcher m = Pattern.compile("hostfwd=([a-z]+):([^:]*):(\\d+)-").matcher(cmdline);
        int forwards = 0;
        while (m.find()) {
            forwards++;
            assertEquals("127.0.0.1", m.group(2), "every forward binds 127.0.0.1: " + m.group());
        }
        assertTrue(forwards >= 1, "QEMU forwards SSH: " + cmdline);
        List<String> listeners = host("ss", "-H", "-ltn", "sport", "=", ":" + port).lines().filter(l -> !l.isBlank()).toList();
        assertFalse(listeners.isEmpty(), "something listens on " + port);
        for (String l : listeners) assertTrue(l.contains("127.0.0.1:" + port), "only on loopback: " + l);
        TABLE.add(new Row("security: key 0600, VM dir 0700, " + forwards + " forward(s) on 127.0.0.1 only", "running VM (QEMU argv, ss)", "-", 0, 0));
    }

    // ---- 7: two operators for one node

    /** The node's operator lock, and who holds it now as the kernel's lock table says (pb's log is not needed for that). */
    static Path operatorLock() {
        String node = read(Path.of("/proc/sys/kernel/hostname")).strip().toLowerCase(Locale.ROOT).replaceAll("[^A-Za-z0-9._-]", "_");
        return pb.dataDir().resolve("locks").resolve("operator-" + node + ".lock");
    }

    static long lockHolder() {
        Path lock = operatorLock();
        return Files.exists(lock) ? HostLock.holderPid(lock).orElse(-1L) : -1L;
    }

    @Test
    @Order(3)
    void aSecondOperatorWaitsAndTakesOverWithinSecondsWhenTheFirstIsKilled() throws Exception {
        operatorLog = home.resolve("operator-1.log");
        operator = pb.builder("operator").redirectErrorStream(true).redirectOutput(operatorLog.toFile()).start();
        waitFor(() -> lockHolder() == operator.pid(), Duration.ofSeconds(60), "the first operator holds the node's lock");
        standbyLog = home.resolve("operator-2.log");
        standby = pb.builder("operator").redirectErrorStream(true).redirectOutput(standbyLog.toFile()).start();
        waitFor(() -> read(standbyLog).contains("pb operator: node"), Duration.ofSeconds(60), "the second operator runs");
        Thread.sleep(3000);
        assertTrue(standby.isAlive(), read(standbyLog));
        assertEquals(operator.pid(), lockHolder(), "the first operator still acts, the second waits");
        long t0 = System.nanoTime();
        operator.destroyForcibly(); // SIGKILL: the kernel frees its lock
        waitFor(() -> lockHolder() == standby.pid(), Duration.ofSeconds(30), "the second operator takes over");
        double s = seconds(t0);
        operator.waitFor(10, TimeUnit.SECONDS);
        assertTrue(s < 5, "hand-over within seconds: " + s);
        // from here on the standby is the operator
        Process old = operator;
        operator = standby;
        operatorLog = standbyLog;
        standby = null;
        TABLE.add(new Row("2nd `pb operator` for the node; the 1st SIGKILLed", "active operator (pid " + old.pid() + ")", fmt(s), 0, 0));
    }

    // ---- 5 + 1b + 3: a corrupt store file; libvirtd killed under the operator; QEMU killed

    @Test
    @Order(4)
    void theOperatorRidesOutACorruptFileLibvirtdAndQemuBeingKilled() throws Exception {
        Path broken = pb.storeDir().resolve("default").resolve("fault-broken.yaml");
        Files.writeString(broken, "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata: {name: fault-broken\nspec: [\n");
        long tCorrupt = System.nanoTime();
        Pb.Result list = pb.run("list");
        assertEquals(0, list.exit(), list.toString());
        assertTrue(list.out().contains(VM), list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("fault-broken") && l.contains("invalid") && l.contains("does not parse")), list.out());

        // libvirtd killed while the operator works: a resource applied meanwhile converges once it is back
        killLibvirtd();
        long down = System.nanoTime();
        long up;
        try {
            Path late = home.resolve("late.yaml");
            Files.writeString(late, "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n  name: fault-late\nspec:\n  image: " + Prerequisites.IMAGE
                    + "\n  runStrategy: Halted\n");
            Pb.Result applied = pb.run("apply", "-f", late.toString());
            assertEquals(0, applied.exit(), applied.toString());
            Thread.sleep(5000); // the store watch hands it to a worker within a second or two: its passes fail meanwhile
            assertTrue(getJson("fault-late").path("status").isMissingNode() || getJson("fault-late").path("status").isNull()
                    || !"Stopped".equals(getJson("fault-late").at("/status/phase").asText()), "nothing converges without libvirt");
        } finally {
            startLibvirtd();
            up = System.nanoTime();
        }
        waitFor(() -> "Stopped".equals(getJson("fault-late").at("/status/phase").asText()), Duration.ofSeconds(90), "fault-late converges");
        double lateS = seconds(up);
        assertTrue(operator.isAlive(), "the operator lives on");
        assertFalse(host("virsh", "-c", URI, "list", "--all", "--name").contains("default_fault-late"), "Halted: no domain for fault-late");
        TABLE.add(new Row("libvirtd SIGKILL under `pb operator`", String.format(Locale.ROOT, "operator reconciling (%.0f s down)", (up - down) / 1e9), fmt(lateS), 0, 0));

        // QEMU killed: pb list shows it at once; the operator (runStrategy Always) boots it again, the disk intact.
        // The operator is frozen for the moment of the kill: it restarts a dead domain faster than pb list starts,
        // so pb list would see the new QEMU; once thawed it gets the STOPPED event libvirt kept for it.
        String startedAt = getJson(VM).at("/status/startedAt").asText();
        // the restarted libvirtd reconnects to the QEMUs it left running, a job of its own per domain (seconds under
        // TCG): a query job waits for it, so the QEMU below dies under a libvirtd that watches it again
        waitFor(() -> run("virsh", "-c", URI, "domblkstat", DOMAIN) == 0, Duration.ofSeconds(60), "libvirtd watches " + DOMAIN + " again");
        String pid = host("pgrep", "-f", "guest=" + DOMAIN + ",").strip().lines().findFirst().orElseThrow();
        host("kill", "-STOP", String.valueOf(operator.pid()));
        long killed = System.nanoTime();
        JsonNode row = null;
        try {
            host("kill", "-9", pid);
            for (JsonNode r : listJson()) if (VM.equals(r.path("name").asText())) row = r;
        } finally {
            host("kill", "-CONT", String.valueOf(operator.pid()));
        }
        long thawed = System.nanoTime();
        double listS = (thawed - killed) / 1e9;
        assertTrue(row != null && !row.path("running").asBoolean(true), "pb list shows RUNNING false at once: " + row);
        waitFor(() -> domainState(DOMAIN).contains("running"), Duration.ofSeconds(60), "the operator starts the domain again");
        double restartS = seconds(thawed);
        // on the STOPPED event, not the 30 s resync: the listener is back after the libvirtd restart above
        assertTrue(restartS < 15, "the operator heard of the dead QEMU at once: " + restartS + " s");
        waitFor(() -> {
            JsonNode v = getJson(VM);
            return "Running".equals(v.at("/status/phase").asText()) && !startedAt.equals(v.at("/status/startedAt").asText());
        }, Duration.ofMinutes(15), "the VM is back with SSH");
        double backS = seconds(killed);
        Pb.Result token = pb.run("ssh", VM, "--", "cat", "/var/pb-token");
        assertEquals(0, token.exit(), token.toString());
        int lost = token.out().strip().equals(TOKEN) ? 0 : 1;
        assertEquals(0, lost, "the disk's data survived: " + token.out());
        TABLE.add(new Row("QEMU of a running VM SIGKILLed", "guest running, operator active",
                String.format(Locale.ROOT, "%.1f (`pb list`: RUNNING false in %.1f; restart %.1f after the event)", backS, listS, restartS), lost, 0));

        // the corrupt file did not stop the operator (all of the above happened beside it); pb rm -f cleans it
        Pb.Result rm = pb.run("rm", "-f", "fault-broken");
        assertEquals(0, rm.exit(), rm.toString());
        int leftovers = Files.exists(broken) ? 1 : 0;
        assertEquals(0, leftovers);
        assertTrue(pb.run("rm", "-f", "fault-late").exit() == 0);
        TABLE.add(new Row("corrupt YAML in the store", "beside a running VM, operator active",
                String.format(Locale.ROOT, "0 (others unaffected; cleaned by pb rm -f after %.0f)", seconds(tCorrupt)), 0, leftovers));
        // the operator has shown what it had to; the runs below reconcile in their own process
        assertTrue(stopOperators(), "the operator stops on SIGTERM");
    }

    // ---- 1c: event re-subscription, shown on its own: nothing but the close callback brings events back

    @Test
    @Order(5)
    void eventsFlowAgainAfterLibvirtdRestartsWithoutAnyCall() throws Exception {
        List<DomainEvent> events = new CopyOnWriteArrayList<>();
        try (LibvirtDomains domains = new LibvirtDomains(URI, Accel.TCG, HostArch.current(), Optional.empty());
             AutoCloseable sub = domains.subscribe(events::add)) {
            killLibvirtd();
            try {
                Thread.sleep(2000);
            } finally {
                startLibvirtd();
            }
            long up = System.nanoTime();
            // no call of ours on the connection: only the reconnect on libvirt's close callback can bring events back
            waitFor(() -> events.stream().anyMatch(e -> e.type() == DomainEvent.Type.RECONNECTED), Duration.ofSeconds(30), "reconnected");
            double reconnected = seconds(up);
            String probe = "fault-probe-" + Long.toHexString(System.nanoTime());
            Path xml = home.resolve(probe + ".xml");
            Files.writeString(xml, "<domain type='qemu'><name>" + probe + "</name><memory unit='MiB'>128</memory><os><type>hvm</type></os></domain>");
            long defined = System.nanoTime();
            host("virsh", "-c", URI, "define", xml.toString());
            try {
                waitFor(() -> events.stream().anyMatch(e -> probe.equals(e.domainName()) && e.type() == DomainEvent.Type.DEFINED), Duration.ofSeconds(15),
                        "the DEFINED event of a domain defined after the restart");
            } finally {
                host("virsh", "-c", URI, "undefine", probe);
            }
            TABLE.add(new Row("libvirtd SIGKILL, no call pending (event listener only)", "operator idle, subscribed",
                    String.format(Locale.ROOT, "%.1f (event of a new domain after %.1f)", reconnected, seconds(defined)), 0, 0));
        }
    }

    // ---- 2: pb run killed during the base disk build, then run again

    @Test
    @Order(6)
    void pbRunKilledDuringTheBaseDiskBuildLeavesNothingThatBlocksTheNextRun() throws Exception {
        stopOperators(); // an operator would take over the killed run's VM and build its disk itself
        Path base = Path.of("/var/lib/libvirt/images/pb/base");
        List<String> args = List.of("run", "-B", "--name", "fault-build", "--memory", "1G", "--network", "none",
                "--karg", "systemd.mask=ssh.service", "--karg", NONCE_KARG, Prerequisites.IMAGE);
        long t0 = System.nanoTime();
        Process first = pb.builder(args.toArray(String[]::new)).redirectErrorStream(true).redirectOutput(home.resolve("build-1.log").toFile()).start();
        waitFor(() -> read(home.resolve("build-1.log")).contains("Installing") || !first.isAlive(), Duration.ofMinutes(5), "the build starts");
        assertTrue(first.isAlive(), read(home.resolve("build-1.log")));
        Thread.sleep(1500); // the installer container is at work
        String key = buildKey(base).orElseThrow(() -> new AssertionError("no build folder in " + base));
        nonceKey = key;
        double killedAt = seconds(t0);
        first.destroyForcibly(); // SIGKILL: no finally of pb runs; podman and its container live on
        first.waitFor(30, TimeUnit.SECONDS);
        long t1 = System.nanoTime();
        Pb.Result second = pb.run(args.toArray(String[]::new));
        double rerunS = seconds(t1);
        assertEquals(0, second.exit(), second.toString());
        assertEquals(1, count(second.err(), "Base disk " + key + " ready"), "built once, by the second run: " + second.err());
        int leftovers = buildLeftovers(base, key);
        assertTrue(Files.exists(base.resolve(key + ".qcow2")), "the entry exists");
        assertEquals(0, leftovers, "no build folder, container or loop device of the killed build remains");
        assertEquals(0, pb.run("rm", "-f", "fault-build").exit());
        TABLE.add(new Row("`pb run` SIGKILLed during the base disk build", String.format(Locale.ROOT, "installer running, %.0f s in", killedAt),
                fmt(rerunS) + " (2nd run to Ready, one build)", 0, leftovers));
    }

    // ---- 8: a guest that never answers SSH

    @Test
    @Order(7)
    void aGuestWithoutSshFailsWithSshTimeoutNamingTheSerialLog() throws Exception {
        long t0 = System.nanoTime();
        ProcessBuilder b = pb.builder("-q", "run", "-B", "--name", "fault-nossh", "--memory", "1G",
                "--karg", "systemd.mask=ssh.service", "--karg", NONCE_KARG, Prerequisites.IMAGE);
        b.environment().put("PB_SSH_TIMEOUT", "120");
        Process p = b.redirectErrorStream(true).redirectOutput(home.resolve("nossh.log").toFile()).start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "pb run ends: it does not hang");
        double s = seconds(t0);
        String out = read(home.resolve("nossh.log"));
        assertEquals(1, p.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), "one line: " + out);
        Path serial = pb.dataDir().resolve("vms/default/fault-nossh/serial.log");
        assertTrue(out.contains("within 120 s") && out.contains(serial.toString()), out);
        // a guest that booted without sshd: its console went quiet at the login prompt, and the message quotes it
        assertTrue(out.contains("the console's last line, ") && out.contains(" s ago: \""), out);
        assertTrue(s >= 120 && s < 120 + 180, "after PB_SSH_TIMEOUT, not a hang: " + s);
        JsonNode vm = getJson("fault-nossh");
        assertEquals("Failed", vm.at("/status/phase").asText(), vm.toString());
        assertTrue(vm.toString().contains("SshTimeout"), vm.toString());
        String tail = pb.serialTail("fault-nossh", 40);
        System.out.println("serial log of fault-nossh, last lines:\n" + tail);
        assertEquals(0, pb.run("rm", "-f", "fault-nossh").exit());
        TABLE.add(new Row("guest without sshd (systemd.mask=ssh.service)", "boot, PB_SSH_TIMEOUT=120", fmt(s) + " (Failed: SshTimeout, serial log named)", 0, 0));
    }

    // ---- 4: the disk cache folder full

    @Test
    @Order(8)
    void aFullCacheFolderIsOneLineNamingTheFolderAndTheSpaceNeeded() throws Exception {
        Path mount = Files.createDirectories(Path.of("/var/lib/libvirt/images/pb-fault-full-" + Long.toHexString(System.nanoTime())));
        host("mount", "-t", "tmpfs", "-o", "size=256m", "pb-fault-full", mount.toString());
        try {
            Path baseDir = Files.createDirectories(mount.resolve("base"));
            Files.write(baseDir.resolve("aaaaaaaaaaaaaaaa.qcow2"), new byte[8 << 20]);
            Files.writeString(baseDir.resolve("aaaaaaaaaaaaaaaa.json"), "{\"formatVersion\":2,\"key\":\"aaaaaaaaaaaaaaaa\"}");
            Files.createDirectories(baseDir.resolve("install-config")); // what pb reads of an image's install configuration is kept here: not a base disk
            String cacheBefore = snapshot(baseDir);
            ProcessBuilder b = pb.builder("-q", "run", "-B", "--name", "fault-full", Prerequisites.IMAGE);
            b.environment().put("PB_IMAGES_DIR", mount.toString());
            long t0 = System.nanoTime();
            Process p = b.redirectErrorStream(true).redirectOutput(home.resolve("full.log").toFile()).start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES));
            double s = seconds(t0);
            String out = read(home.resolve("full.log"));
            assertEquals(1, p.exitValue(), out);
            assertEquals(1, out.strip().lines().count(), "one line: " + out);
            assertTrue(out.contains(baseDir.toString()) && out.contains("needs about") && out.contains("free"), out);
            int leftovers = 0;
            if (!cacheBefore.equals(snapshot(baseDir))) leftovers++; // a partial entry, or the other entry touched
            if (Files.exists(pb.storeDir().resolve("default/fault-full.yaml"))) leftovers++;
            // an installer container of this cache (its /output under the tmpfs); the classes beside this one build base disks too
            leftovers += (int) host("podman", "ps", "-a", "--format", "{{.Names}}").lines().filter(l -> l.startsWith("pb-build-"))
                    .filter(name -> host("podman", "inspect", "--format", "{{range .Mounts}}{{.Source}} {{end}}", name).contains(mount.toString())).count();
            assertEquals(0, leftovers, "nothing partial, the other entry untouched, no resource, no container: " + snapshot(baseDir));
            TABLE.add(new Row("base disk cache folder full (tmpfs 256 MiB)", "first `pb run` of the image", fmt(s) + " (refused, exit 1)", 0, leftovers));
        } finally {
            host("umount", mount.toString());
            Files.deleteIfExists(mount);
        }
    }

    // ---- helpers

    static String recoveredAfterRetry(List<String> logs) {
        // lines look like "[  93.4s] libvirt ...: trying again"; pb's clock is its own, so the gap is measured on it
        Pattern line = Pattern.compile("\\[\\s*([0-9.]+)s\\] (.*)");
        for (String log : logs) {
            List<double[]> times = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (String l : log.lines().toList()) {
                Matcher m = line.matcher(l.strip());
                if (m.matches()) {
                    times.add(new double[]{Double.parseDouble(m.group(1))});
                    texts.add(m.group(2));
                }
            }
            int first = -1;
            for (int i = 0; i < texts.size(); i++) if (texts.get(i).contains("trying again")) { first = i; break; }
            if (first < 0) continue;
            int last = first;
            while (last + 1 < texts.size() && texts.get(last + 1).contains("trying again")) last++;
            if (last + 1 < texts.size()) {
                return String.format(Locale.ROOT, "%.1f (retried %d time(s), then went on)", times.get(last + 1)[0] - times.get(first)[0], last - first + 1);
            }
        }
        return "0 (no libvirt call fell in the outage)";
    }

    static Optional<String> buildKey(Path base) throws IOException {
        try (var s = Files.list(base)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{16}\\.build-[0-9a-f]+")).map(n -> n.substring(0, 16)).findFirst();
        }
    }

    static int buildLeftovers(Path base, String key) throws IOException {
        int n = 0;
        try (var s = Files.list(base)) {
            n += (int) s.filter(p -> p.getFileName().toString().startsWith(key + ".build-")).count();
        }
        n += (int) host("podman", "ps", "-a", "--format", "{{.Names}}").lines().filter(l -> l.contains("pb-build-" + key)).count();
        n += (int) host("losetup", "--list", "--noheadings", "--output", "BACK-FILE").lines().filter(l -> l.contains(key + ".build-")).count();
        return n;
    }

    static JsonNode listJson() throws IOException {
        Pb.Result r = pb.run("list", "--format", "json");
        assertEquals(0, r.exit(), r.toString());
        return JSON.readTree(r.out());
    }

    static JsonNode getJson(String name) {
        try {
            Pb.Result r = pb.run("get", name, "-o", "json");
            return r.exit() == 0 ? JSON.readTree(r.out()) : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    static String domainState(String domain) {
        try {
            Process p = new ProcessBuilder("virsh", "-c", URI, "domstate", domain).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Whatever a case did to libvirtd, the next one finds it running. */
    @AfterEach
    void libvirtdRuns() {
        if (libvirtd != null) ensureLibvirtd();
    }

    static void killLibvirtd() {
        ensureLibvirtd();
        libvirtd.kill();
    }

    static void startLibvirtd() {
        libvirtd.start();
    }

    static void ensureLibvirtd() {
        if (!libvirtd.running()) startLibvirtd();
    }

    static int run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static String host(String... cmd) {
        return Pb.host(cmd);
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static String snapshot(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        if (!Files.exists(dir)) return "";
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (!Files.isRegularFile(p) || n.endsWith(".lock") || dir.relativize(p).startsWith("install-config")) continue;
                sb.append(dir.relativize(p)).append(' ')
                        .append(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))).append('\n');
            }
        }
        return sb.toString();
    }

    static long count(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static String fmt(double s) {
        return String.format(Locale.ROOT, "%.1f", s);
    }

    static void waitFor(BooleanSupplier cond, Duration timeout, String what) {
        await(what).atMost(timeout).pollInterval(Duration.ofMillis(250)).until(cond::getAsBoolean);
    }

    static void printTable() {
        StringBuilder sb = new StringBuilder("\nFault suite\n");
        String head = String.format("%-78s | %-42s | %-62s | %-9s | %s%n", "fault", "injected at", "recovered in (s)", "data lost", "leftovers");
        sb.append(head).append("-".repeat(head.length() - 1)).append('\n');
        for (Row r : TABLE) {
            sb.append(String.format("%-78s | %-42s | %-62s | %-9d | %d%n", r.fault(), r.injectedAt(), r.recovered(), r.dataLost(), r.leftovers()));
        }
        System.out.println(sb);
        try {
            Path out = Path.of("target", "faults-table.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, sb.toString());
        } catch (IOException e) {
            // the table is printed anyway
        }
    }
}
