package dev.bootc.pb.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VMs on networks of their own, on the host's real libvirt: one on a libvirt NAT network with DHCP (made by this
 * class, as {@code default} is on a user's host) and one on a host bridge with a DHCP server of its own (a dnsmasq
 * this class starts on it, as a LAN's would be). SSH goes to each guest's own address, found from libvirt's lease and
 * from the host's ARP table; pb rm leaves neither a lease nor an interface.
 */
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworksIT {
    static final String IMAGE = Prerequisites.IMAGE;
    static final String NET = "pb-e2e-nat";
    static final String BRIDGE = "pbe2e-br0";
    static Pb pb;
    static Process dnsmasq;
    static long classStart;

    @BeforeAll
    static void bootOnBothNetworks() throws Exception {
        classStart = System.nanoTime();
        pb = Pb.onFreshHome("pb-e2e-net");
        cleanHost();
        Path xml = pb.home().resolve("net.xml");
        Files.writeString(xml, "<network><name>" + NET + "</name><forward mode='nat'/><bridge name='pbe2e-nat0'/>"
                + "<ip address='10.96.0.1' netmask='255.255.255.0'><dhcp><range start='10.96.0.10' end='10.96.0.99'/></dhcp></ip></network>");
        sh("virsh", "net-create", xml.toString());
        sh("ip", "link", "add", BRIDGE, "type", "bridge");
        sh("ip", "addr", "add", "10.97.0.1/24", "dev", BRIDGE);
        sh("ip", "link", "set", BRIDGE, "up");
        dnsmasq = new ProcessBuilder("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0", "--interface=" + BRIDGE,
                "--bind-interfaces", "--except-interface=lo", "--dhcp-range=10.97.0.10,10.97.0.99,1h",
                "--dhcp-leasefile=" + pb.home().resolve("bridge.leases"), "--pid-file=")
                .redirectErrorStream(true).redirectOutput(pb.home().resolve("dnsmasq.log").toFile()).start();
        CompletableFuture<Pb.Result> nat = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", "--name", "nat", "--memory", "1G",
                "--network", "libvirt=" + NET, IMAGE));
        CompletableFuture<Pb.Result> br = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", "--name", "br", "--memory", "1G",
                "--network", "bridge=" + BRIDGE, IMAGE));
        Pb.Result rn = nat.get();
        Pb.Result rb = br.get();
        System.out.println("nat: " + rn + "\nbr: " + rb);
        assertEquals(0, rn.exit(), rn.toString());
        assertEquals(0, rb.exit(), rb.toString());
        System.out.printf("both VMs ready in %.1f s%n", (System.nanoTime() - classStart) / 1e9);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (pb != null) pb.run("rm", "-f", "--all");
        if (dnsmasq != null) {
            dnsmasq.destroy();
            dnsmasq.waitFor(30, TimeUnit.SECONDS);
        }
        cleanHost();
        System.out.printf("NetworksIT wall time: %.1f s%n", (System.nanoTime() - classStart) / 1e9);
    }

    static void cleanHost() throws Exception {
        run("virsh", "net-destroy", NET);
        run("ip", "link", "del", BRIDGE);
    }

    @Test
    @Order(1)
    void sshGoesToEachGuestsOwnAddressWhichListAndInspectShow() throws Exception {
        JsonNode list = new ObjectMapper().readTree(pb.run("list", "--format", "json").out());
        String natAddress = null;
        String brAddress = null;
        for (JsonNode row : list) {
            if (row.get("name").asText().equals("nat")) natAddress = row.get("address").asText();
            if (row.get("name").asText().equals("br")) brAddress = row.get("address").asText();
            assertEquals(22, row.get("sshPort").asInt(), row.toString());
        }
        assertTrue(natAddress != null && natAddress.startsWith("10.96.0."), "the NAT network's DHCP lease: " + list);
        assertTrue(brAddress != null && brAddress.startsWith("10.97.0."), "the bridge's DHCP server's address: " + list);
        String table = pb.run("list").out();
        assertTrue(table.contains(natAddress + ":22") && table.contains(brAddress + ":22"), table);

        for (String[] vm : new String[][] {{"nat", natAddress}, {"br", brAddress}}) {
            Pb.Result addr = pb.run("ssh", vm[0], "--", "ip", "-4", "-o", "addr", "show", "scope", "global");
            assertEquals(0, addr.exit(), addr.toString());
            assertTrue(addr.out().contains(" " + vm[1] + "/24 "), vm[0] + " is at " + vm[1] + ": " + addr);
            JsonNode runtime = new ObjectMapper().readTree(pb.run("inspect", vm[0], "--format", "json").out()).get("runtime");
            assertEquals(vm[1], runtime.get("address").asText(), runtime.toString());
            String dom = sh("virsh", "dumpxml", "default_" + vm[0]);
            assertFalse(dom.contains("qemu:commandline"), "no QEMU arguments: " + dom);
            assertTrue(dom.contains(vm[0].equals("nat") ? "<source network='" + NET + "'" : "<source bridge='" + BRIDGE + "'"), dom);
        }
        assertTrue(sh("virsh", "net-dhcp-leases", NET).contains(natAddress), "libvirt's lease of nat");
    }

    /**
     * The loopback item, measured on these backends: a service on the host's 127.0.0.1 is out of reach of a
     * guest on its own network (the host is a neighbour there, not the guest's loopback, as QEMU's user network makes
     * it); one bound to every address is reached at the host's address on that network, as on any LAN (the control).
     */
    @Test
    @Order(2)
    void aGuestOnItsOwnNetworkCannotReachTheHostsLoopback() throws Exception {
        try (java.net.ServerSocket loopback = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
             java.net.ServerSocket everywhere = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("0.0.0.0"))) {
            for (String[] vm : new String[][] {{"nat", "10.96.0.1"}, {"br", "10.97.0.1"}}) {
                String probe = "for a in 127.0.0.1 %s; do for p in %d %d; do if timeout 5 bash -c \"exec 3<>/dev/tcp/$a/$p\" 2>/dev/null;"
                        + " then echo \"$a:$p open\"; else echo \"$a:$p closed\"; fi; done; done";
                Pb.Result r = pb.run("ssh", vm[0], "--", String.format(probe, vm[1], loopback.getLocalPort(), everywhere.getLocalPort()));
                assertEquals(0, r.exit(), r.toString());
                System.out.println(vm[0] + " reaches: " + r.out().replace('\n', ' '));
                assertTrue(r.out().contains(vm[1] + ":" + loopback.getLocalPort() + " closed"), "the host's loopback service from " + vm[0] + ": " + r.out());
                assertTrue(r.out().contains("127.0.0.1:" + loopback.getLocalPort() + " closed"), "the guest's own loopback is its own: " + r.out());
                assertTrue(r.out().contains(vm[1] + ":" + everywhere.getLocalPort() + " open"), "the control, a service on every address: " + r.out());
            }
        }
    }

    @Test
    @Order(3)
    void portsAndANetworkTheHostLacksAreRefusedWithNothingMade() throws Exception {
        Pb.Result ports = pb.run("run", "-B", "--name", "fwd", "--network", "libvirt=" + NET, "-p", "8080:80", IMAGE);
        assertEquals(2, ports.exit(), ports.toString());
        assertTrue(ports.err().contains("spec.ports: invalid value \"1 forward(s)\": none with network: libvirt"), ports.err());
        Pb.Result missing = pb.run("run", "-B", "--name", "lost", "--network", "libvirt=pb-e2e-no-such-net", IMAGE);
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("VM lost cannot join libvirt network pb-e2e-no-such-net: libvirt has no network pb-e2e-no-such-net"), missing.err());
        String domains = sh("virsh", "list", "--all", "--name");
        assertFalse(domains.contains("default_fwd") || domains.contains("default_lost"), domains);
        assertFalse(Files.exists(pb.dataDir().resolve("vms/default/lost/id_ed25519")), "no key made for a VM that cannot start");
    }

    @Test
    @Order(4)
    void rmLeavesNoLeaseAndNoInterface() throws Exception {
        String natMac = mac("nat");
        String brMac = mac("br");
        assertTrue(sh("virsh", "net-dhcp-leases", NET).contains(natMac));
        assertTrue(sh("ip", "link", "show", "master", BRIDGE).contains("vnet"), "the bridge VM's tap is on the bridge");
        Pb.Result rm = pb.run("rm", "-f", "nat", "br");
        assertEquals(0, rm.exit(), rm.toString());
        assertFalse(sh("virsh", "net-dhcp-leases", NET).contains(natMac), "pb rm freed nat's lease");
        assertEquals("", sh("ip", "link", "show", "master", BRIDGE).strip(), "no tap left on the bridge");
        assertEquals("", sh("ip", "link", "show", "master", "pbe2e-nat0").strip().lines().filter(l -> l.contains("vnet")).reduce("", String::concat),
                "no tap left on the NAT network's bridge");
        System.out.println("bridge DHCP server's leases after pb rm (pb does not own that server): " + brMac + "\n"
                + Files.readString(pb.home().resolve("bridge.leases")));
    }

    static String mac(String vm) throws Exception {
        String out = sh("virsh", "domiflist", "default_" + vm);
        return out.lines().filter(l -> l.contains("virtio")).map(l -> l.trim().split("\\s+")).map(f -> f[f.length - 1]).findFirst()
                .orElseThrow(() -> new AssertionError("no NIC in " + out));
    }

    static String sh(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", argv) + " timed out");
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out;
    }

    static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
    }
}
