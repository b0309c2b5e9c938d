package dev.bootc.pb.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end, on one real guest of the cloud-init fixture (qemu:///system, TCG here): pb run --cloudinit
 * (a NoCloud seed whose user-data writes files the test reads over SSH), pb ssh with no name (the
 * latest running VM), pb logs (and -f), pb console (Ctrl-] leaves) and -o jsonpath.
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
        Prerequisites.ensure();
        home = Files.createTempDirectory("pb-e2e-cli");
        home.toFile().setExecutable(true, false);
        pb = new Pb(home);
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
                Prerequisites.IMAGE_CLOUDINIT);
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!contains(seen, "pb-e2e-follow-marker") && System.nanoTime() < deadline) Thread.sleep(200);
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
