package dev.bootc.pb.ssh;

import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.port.Ssh.HostPort;
import dev.bootc.pb.port.Ssh.PortHolder;
import dev.bootc.pb.port.Ssh.Reservation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host's port registry on real files: SSH ports and forwards in one table, each port one VM's, whatever
 * threads and processes reserve at once; a VM's forwards given back when it drops them and when it goes.
 */
class PortRegistryTest {
    @TempDir
    Path dir;

    PortRegistry registry(int first, int last) {
        return new PortRegistry(dir, new SshPortAllocator(first, last));
    }

    static HostPort tcp(int p) {
        return HostPort.tcp(p);
    }

    @Test
    void sshAndForwardsShareOneTable() {
        PortRegistry r = registry(41022, 41024);
        // a forwards two of the three SSH ports of the range: its SSH port is the third
        Reservation a = r.reserve("default/a", null, List.of(tcp(41022), tcp(41023)));
        assertNull(a.conflict());
        assertEquals(41024, a.sshPort());
        assertEquals(new PortHolder(tcp(41022), "default/a", false), r.holder(tcp(41022)).orElseThrow());
        assertEquals(new PortHolder(tcp(41024), "default/a", true), r.holder(tcp(41024)).orElseThrow());
        // b finds no SSH port left: every one is a's, forwarded or SSH, though none is bound now
        assertEquals("NoFreePort", org.junit.jupiter.api.Assertions.assertThrows(dev.bootc.pb.api.PbException.class,
                () -> r.reserve("default/b", null, List.of())).reason());
        // b's forward on a's SSH port, or on a's forward: refused, nothing reserved for b
        PortRegistry wide = registry(41030, 41040);
        Reservation b = wide.reserve("default/b", null, List.of(tcp(9000), tcp(41024)));
        assertEquals(new PortHolder(tcp(41024), "default/a", true), b.conflict());
        assertTrue(wide.holder(tcp(9000)).isEmpty(), "a refused reservation reserves nothing");
        assertFalse(Files.exists(dir.resolve("owners/default_b")));
        assertEquals(new PortHolder(tcp(41023), "default/a", false), wide.reserve("default/b", null, List.of(tcp(41023))).conflict());
        // udp is another port of the same number
        assertNull(wide.reserve("default/b", null, List.of(new HostPort(Protocol.udp, 41022))).conflict());
        assertTrue(Files.exists(dir.resolve("udp-41022")));
    }

    @Test
    void aVmsOwnSshPortIsNoForwardAndARecordedPortOfAnotherIsNotTaken() {
        PortRegistry r = registry(41050, 41060);
        int ssh = r.reserve("default/a", null, List.of()).sshPort();
        assertEquals(new PortHolder(tcp(ssh), "default/a", true), r.reserve("default/a", ssh, List.of(tcp(ssh))).conflict());
        assertEquals(new PortHolder(tcp(ssh), "default/a", true), r.reserve("default/b", ssh, List.of()).conflict(),
                "a port recorded for b (its status, say) that a holds stays a's");
        assertEquals("default/a", r.holder(tcp(ssh)).orElseThrow().owner());
    }

    @Test
    void droppedForwardsAndRemovedVmsGiveTheirPortsBack() throws Exception {
        PortRegistry r = registry(41070, 41080);
        int ssh = r.reserve("default/a", null, List.of(tcp(9100), tcp(9101))).sshPort();
        assertEquals(ssh, r.reserve("default/a", ssh, List.of(tcp(9101))).sshPort());
        assertTrue(r.holder(tcp(9100)).isEmpty(), "dropped from the spec: given back");
        assertEquals("9101", Files.readString(dir.resolve("forwards/default_a")).strip());
        r.release("default/a", ssh);
        assertTrue(r.holder(tcp(9101)).isEmpty());
        assertTrue(r.holder(tcp(ssh)).isEmpty());
        assertFalse(Files.exists(dir.resolve("forwards/default_a")));
        assertFalse(Files.exists(dir.resolve("owners/default_a")));
    }

    @Test
    void aRegistryOfBeforeForwardsWereRecordedKeepsItsSshPorts() throws Exception {
        // what pb wrote before: DIR/PORT names the VM, DIR/owners/NS_NAME the port
        Files.createDirectories(dir.resolve("owners"));
        Files.writeString(dir.resolve("41090"), "default/old");
        Files.writeString(dir.resolve("owners/default_old"), "41090");
        PortRegistry r = registry(41090, 41095);
        assertEquals(41090, r.reserve("default/old", null, List.of()).sshPort());
        assertEquals(new PortHolder(tcp(41090), "default/old", true), r.reserve("default/new", null, List.of(tcp(41090))).conflict());
        assertNotEquals(41090, r.reserve("default/new", null, List.of()).sshPort());
    }

    @Test
    void threadsRacingForOnePortLeaveItToExactlyOne() throws Exception {
        PortRegistry r = registry(41100, 41199);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reservation>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String owner = "default/vm" + i;
            results.add(pool.submit(() -> {
                go.await();
                return r.reserve(owner, null, List.of(tcp(9200)));
            }));
        }
        go.countDown();
        int won = 0;
        List<Integer> sshPorts = new ArrayList<>();
        for (Future<Reservation> f : results) {
            Reservation res = f.get(30, TimeUnit.SECONDS);
            if (res.conflict() == null) {
                won++;
                sshPorts.add(res.sshPort());
            } else {
                assertEquals(tcp(9200), res.conflict().port());
            }
        }
        pool.shutdown();
        assertEquals(1, won, "one VM forwards 9200");
        String holder = r.holder(tcp(9200)).orElseThrow().owner();
        assertEquals(holder.replace('/', '_'), Files.list(dir.resolve("forwards")).map(p -> p.getFileName().toString()).reduce("", String::concat),
                "only the winner records a forward");
    }

    /** Two processes (a file lock is per process), each reserving the same ports for owners of its own: each port is one owner's. */
    @Test
    void processesRacingForThePortsLeaveEachToExactlyOne() throws Exception {
        int ports = 100;
        Path outA = dir.resolve("a.out");
        Path outB = dir.resolve("b.out");
        Path registry = dir.resolve("registry");
        Process a = start(outA, registry, "a", ports);
        Process b = start(outB, registry, "b", ports);
        assertTrue(a.waitFor(60, TimeUnit.SECONDS) && b.waitFor(60, TimeUnit.SECONDS), "both finish");
        assertEquals(0, a.exitValue(), Files.readString(outA));
        assertEquals(0, b.exitValue(), Files.readString(outB));
        List<String> wonA = Files.readAllLines(outA).stream().filter(l -> l.startsWith("won ")).toList();
        List<String> wonB = Files.readAllLines(outB).stream().filter(l -> l.startsWith("won ")).toList();
        assertEquals(ports, wonA.size() + wonB.size(), "every port won once: " + wonA + " " + wonB);
        PortRegistry r = new PortRegistry(registry, new SshPortAllocator());
        for (int i = 0; i < ports; i++) {
            String owner = r.holder(tcp(9300 + i)).orElseThrow().owner();
            String winner = wonA.contains("won " + i) ? "default/a" + i : "default/b" + i;
            assertEquals(winner, owner, "port " + (9300 + i));
            String loser = winner.startsWith("default/a") ? "default/b" + i : "default/a" + i;
            assertFalse(Files.exists(registry.resolve("forwards").resolve(loser.replace('/', '_'))), loser + " holds no forward");
        }
    }

    private static Process start(Path out, Path registry, String side, int ports) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PortReserverMain.class.getName(), registry.toString(), side, Integer.toString(ports)));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }
}
