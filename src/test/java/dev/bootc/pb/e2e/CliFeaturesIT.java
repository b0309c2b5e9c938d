package dev.bootc.pb.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end, on one real guest of the cloud-init fixture (qemu:///system, TCG here): pb run --cloudinit
 * (a NoCloud seed whose user-data writes files the test reads over SSH), pb ssh with no name (the
 * latest running VM), pb logs (and -f), pb console (Ctrl-] leaves) and -o jsonpath. The guest's disk is raw
 * (--disk-format raw): at the end it is exported stopped to raw and vmdk, the raw image boots as a new libvirt
 * domain with the VM's files, and the VM keeps its data across stop/start.
 */
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliFeaturesIT {
    static final String VM = "vm-ci";
    static Path home;
    static Pb pb;
    static long suiteStart;

    @BeforeAll
    static void bootOneVmWithCloudInit() throws Exception {
        suiteStart = System.nanoTime();
        pb = Pb.onFreshHome("pb-e2e-cli");
        home = pb.home();
        Path ci = Files.createDirectories(home.resolve("cloud-init"));
        Files.writeString(ci.resolve("user-data"), """
                #cloud-config
                write_files:
                  - path: /var/lib/pb-e2e/from-user-data.txt
                    content: "written by cloud-init from pb's seed\\n"
                runcmd:
                  - [sh, -c, "hostname > /var/lib/pb-e2e/hostname.txt"]
                """);
        long t0 = System.nanoTime();
        Pb.Result r = pb.run("run", "-B", "--name", VM, "--memory", "1G", "--label", "suite=cli", "--cloudinit", ci.toString(),
                "--disk-format", "raw", Prerequisites.IMAGE_CLOUDINIT);
        System.out.printf("pb run --cloudinit: exit %d after %.1f s%n", r.exit(), (System.nanoTime() - t0) / 1e9);
        assertEquals(0, r.exit(), r + "\nserial log:\n" + pb.serialTail(VM, 40));
    }

    @AfterAll
    static void cleanUp() {
        if (pb != null) pb.run("rm", "-f", "--all");
        System.out.printf("CliFeaturesIT wall time: %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    @Test
    @Order(1)
    void sshWithNoNameGoesToTheLatestRunningVmAndUserDataRan() {
        Pb.Result wait = pb.run("ssh", "--", "cloud-init", "status", "--wait");
        // 2: done, with warnings a module gave (the fixture's read-only root cannot be resized, as on composefs)
        assertTrue(wait.exit() == 0 || wait.exit() == 2, "cloud-init finished: " + wait);
        assertTrue(wait.out().contains("status: done"), wait.toString());
        assertTrue(wait.err().contains("Connecting to vm " + VM), "says which VM it chose: " + wait.err());
        Pb.Result file = pb.run("ssh", "--", "cat", "/var/lib/pb-e2e/from-user-data.txt");
        assertEquals(0, file.exit(), file.toString());
        assertEquals("written by cloud-init from pb's seed\n", file.out());
        Pb.Result host = pb.run("ssh", "--", "cat", "/var/lib/pb-e2e/hostname.txt");
        assertEquals(VM + "\n", host.out(), "runcmd ran, and the default meta-data named the host after the VM: " + host);
        Pb.Result seed = pb.run("ssh", "--", "blkid", "-o", "value", "-s", "LABEL", "/dev/vdb");
        assertEquals("CIDATA\n", seed.out(), seed.toString());
        Pb.Result ro = pb.run("ssh", "--", "cat", "/sys/block/vdb/ro");
        assertEquals("1\n", ro.out(), "the seed is read-only: " + ro);
    }

    @Test
    @Order(2)
    void logsPrintTheBootAndFollowWhatComes() throws Exception {
        Pb.Result logs = pb.run("logs", VM);
        assertEquals(0, logs.exit(), logs.err());
        assertTrue(logs.out().contains("Linux version"), "the kernel's first line: " + tail(logs.out()));
        assertTrue(logs.out().contains("Cloud-init"), "cloud-init wrote to the console: " + tail(logs.out()));
        Process follow = pb.builder("logs", "-f", VM).start();
        try {
            StringBuilder seen = new StringBuilder();
            Thread reader = new Thread(() -> pump(follow.getInputStream(), seen));
            reader.start();
            Thread.sleep(3000);
            assertEquals(0, pb.run("ssh", VM, "--", "sh", "-c", "echo pb-e2e-follow-marker > /dev/ttyS0").exit());
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> contains(seen, "pb-e2e-follow-marker"));
            assertTrue(contains(seen, "pb-e2e-follow-marker"), "pb logs -f printed what the console printed later");
            assertTrue(follow.isAlive(), "-f keeps following");
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(3, pb.run("logs", "no-such-vm").exit());
    }

    @Test
    @Order(3)
    void consoleAttachesToTheSerialConsoleAndCtrlBracketLeaves() throws Exception {
        // a terminal for virsh console (script gives it a pty); Enter brings a login prompt, Ctrl-] leaves
        List<String> cmd = new ArrayList<>(pb.command("console", VM));
        String line = String.join(" ", cmd.stream().map(a -> "'" + a + "'").toList());
        ProcessBuilder b = new ProcessBuilder("sh", "-c", "(sleep 4; printf '\\r'; sleep 4; printf '\\035') | script -qefc \"$0\" /dev/null", line);
        b.environment().putAll(pb.builder().environment());
        b.redirectErrorStream(true);
        Process p = b.start();
        StringBuilder seen = new StringBuilder();
        Thread reader = new Thread(() -> pump(p.getInputStream(), seen));
        reader.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "Ctrl-] ended the console: " + seen);
        reader.join(5000);
        assertEquals(0, p.exitValue(), seen.toString());
        assertTrue(contains(seen, "login:"), "the guest's login prompt came through the console: " + seen);
    }

    @Test
    @Order(4)
    void jsonpathAndLabelsSelect() {
        Pb.Result path = pb.run("inspect", VM, "-o", "jsonpath={.spec.cloudInit.path} {.runtime.running}");
        assertEquals(home.resolve("cloud-init") + " true", path.out(), path.toString());
        assertEquals(VM + "\n", pb.run("list", "-l", "suite=cli", "--format", "name").out());
        assertEquals("", pb.run("list", "-l", "suite!=cli", "--format", "name").out());
    }

    @Test
    @Order(5)
    void aRawDiskKeepsDataAcrossStopStartAndItsExportsAreImagesThatBootWithTheVmsFiles() throws Exception {
        JsonNode vm = new ObjectMapper().readTree(pb.run("get", VM, "-o", "json").out());
        Path disk = Path.of(vm.at("/status/diskPath").asText());
        assertTrue(disk.toString().endsWith(".raw"), "the VM's own disk is raw: " + disk);
        JsonNode diskInfo = qemuImgInfo("raw", disk);
        assertFalse(diskInfo.has("backing-filename"), "a full copy, no backing file: " + diskInfo);
        long virtualSize = diskInfo.path("virtual-size").asLong();
        String marker = "written before the export " + System.nanoTime();
        assertEquals(0, pb.run("ssh", VM, "--", "sh", "-c", "mkdir -p /var/lib/pb-e2e && echo '" + marker + "' > /var/lib/pb-e2e/marker.txt && sync").exit());

        Path out = Files.createDirectories(home.resolve("export"));
        Pb.Result running = pb.run("export", VM, out.resolve("vm.raw").toString());
        assertEquals(4, running.exit(), "a running VM's disk is not exported: " + running);
        assertEquals(1, running.err().strip().lines().count(), running.err());
        assertTrue(running.err().contains("pb stop " + VM), running.err());
        assertEquals(0, pb.run("stop", VM).exit());

        for (String format : List.of("raw", "vmdk")) {
            Path file = out.resolve("vm." + format);
            long t0 = System.nanoTime();
            Pb.Result r = pb.run("export", VM, file.toString());
            System.out.printf("pb export to %s: exit %d after %.1f s%n", format, r.exit(), (System.nanoTime() - t0) / 1e9);
            assertEquals(0, r.exit(), r.toString());
            assertEquals(file + "\n", r.out());
            JsonNode info = qemuImgInfo(format, file);
            assertEquals(format, info.path("format").asText());
            assertEquals(virtualSize, info.path("virtual-size").asLong(), format + ": the VM's disk size");
            assertFalse(info.has("backing-filename"), format + ": self-contained: " + info);
            if (format.equals("vmdk")) Pb.host("qemu-img", "check", "-f", "vmdk", file.toString());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        assertTrue(Long.parseLong(Pb.host("stat", "-c", "%b", out.resolve("vm.raw").toString()).strip()) * 512 < virtualSize / 2,
                "the raw image is sparse");
        assertTrue(Pb.host("qemu-img", "compare", "-f", "raw", "-F", "vmdk", out.resolve("vm.raw").toString(),
                out.resolve("vm.vmdk").toString()).contains("identical"), "the vmdk holds what the raw image holds, byte for byte");
        try (var files = Files.list(out)) {
            assertEquals(List.of("vm.raw", "vm.vmdk"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no partial file left");
        }

        // the exported raw image as a new domain of its own: no pb, no credential, no seed; the VM's key still logs in, since
        // the image carries what the guest kept in /var (root's authorized_keys, the marker)
        bootsAsANewDomainWithTheFile(out.resolve("vm.raw"), Path.of(vm.at("/status/sshKeyPath").asText()), marker);

        assertEquals(0, pb.run("start", VM).exit());
        Pb.Result kept = pb.run("ssh", VM, "--", "cat", "/var/lib/pb-e2e/marker.txt");
        assertEquals(marker + "\n", kept.out(), "the raw disk kept its data across stop and start: " + kept);
    }

    /** Defines and boots {@code image} (raw) as a minimal UEFI domain with a forwarded SSH port; reads {@code marker} over SSH. */
    static void bootsAsANewDomainWithTheFile(Path image, Path key, String marker) throws Exception {
        String name = "pb-e2e-exported-" + ProcessHandle.current().pid();
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path serial = home.resolve(name + "-serial.log");
        // as pb writes its domains: UEFI chosen by libvirt from QEMU's firmware descriptors, Secure Boot off (the
        // fixture's boot loader is unsigned), user networking through QEMU's own -netdev (libvirt 9.0 has no passt)
        String xml = """
                <domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
                  <name>%s</name>
                  <memory unit='MiB'>1024</memory>
                  <vcpu>2</vcpu>
                  <os firmware='efi'>
                    <type arch='x86_64' machine='q35'>hvm</type>
                    <firmware><feature enabled='no' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/></firmware>
                    <nvram>%s</nvram>
                    <boot dev='hd'/>
                  </os>
                  <features><acpi/><apic/></features>
                  %s
                  <on_poweroff>destroy</on_poweroff>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                    <serial type='pty'><log file='%s' append='off'/><target port='0'/></serial>
                    <console type='pty'><target type='serial' port='0'/></console>
                    <controller type='usb' model='none'/>
                  </devices>
                  <qemu:commandline>
                    <qemu:arg value='-netdev'/><qemu:arg value='user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22'/>
                    <qemu:arg value='-device'/><qemu:arg value='virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x0a'/>
                  </qemu:commandline>
                </domain>
                """.formatted(dev.bootc.pb.host.AccelDetection.detect().domainType(), name, home.resolve(name + "_VARS.fd"),
                dev.bootc.pb.host.AccelDetection.detect() == dev.bootc.pb.port.Accel.KVM ? "<cpu mode='host-passthrough'/>"
                        : "<cpu mode='maximum' migratable='off'/>",
                image, serial, port);
        Path xmlFile = Files.writeString(home.resolve(name + ".xml"), xml);
        Pb.host("virsh", "-c", "qemu:///system", "define", xmlFile.toString());
        try {
            long t0 = System.nanoTime();
            Pb.host("virsh", "-c", "qemu:///system", "start", name);
            String[] got = {""};
            await("the exported image answers SSH").atMost(Duration.ofSeconds(900)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                Process p = new ProcessBuilder("ssh", "-i", key.toString(), "-p", Integer.toString(port), "-o", "BatchMode=yes",
                        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR",
                        "root@127.0.0.1", "cat", "/var/lib/pb-e2e/marker.txt").redirectErrorStream(true).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return false;
                }
                got[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                return p.exitValue() == 0;
            });
            System.out.printf("exported raw image: virsh start -> ssh in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertEquals(marker + "\n", got[0], "the exported image booted on its own and holds the VM's file; serial log:\n"
                    + tail(Files.exists(serial) ? Files.readString(serial, java.nio.charset.StandardCharsets.ISO_8859_1) : "(none)"));
        } finally {
            Prerequisites.run("virsh", "-c", "qemu:///system", "destroy", name);
            Prerequisites.run("virsh", "-c", "qemu:///system", "undefine", "--nvram", name);
        }
    }

    static JsonNode qemuImgInfo(String format, Path file) throws Exception {
        return new ObjectMapper().readTree(Pb.host("qemu-img", "info", "-U", "-f", format, "--output=json", file.toString()));
    }

    static void pump(InputStream in, StringBuilder into) {
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (into) {
                    into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            }
        } catch (java.io.IOException e) {
            // process ended
        }
    }

    static boolean contains(StringBuilder sb, String s) {
        synchronized (sb) {
            return sb.indexOf(s) >= 0;
        }
    }

    static String tail(String s) {
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }
}
