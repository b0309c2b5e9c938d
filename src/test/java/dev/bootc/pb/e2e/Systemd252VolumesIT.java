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
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Volumes on a guest whose systemd is 252 (the fixture's -sd252 variant, Debian 12, as CentOS Stream 9 and RHEL 9
 * images have): it ignores the fstab.extra credential, so pb mounts the folders itself over root's SSH and leaves
 * systemd mount units behind that mount them at later boots. Two VMs boot in parallel and are shared by the cases,
 * in order: vm-r (root; /mnt/share read-write, /mnt/ro read-only) and vm-u (user core; /mnt/share read-write).
 */
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Systemd252VolumesIT {
    static final String IMAGE = Prerequisites.IMAGE_SD252;
    static final String SHARE_UNIT = "var-mnt-share.mount";
    static Path home;
    static Pb pb;
    static Path shared;
    static Path readOnly;
    static long suiteStart;

    @BeforeAll
    static void bootTwoVms() throws Exception {
        suiteStart = System.nanoTime();
        pb = Pb.onFreshHome("pb-e2e-sd252");
        home = pb.home();
        shared = Files.createDirectories(home.resolve("shared"));
        readOnly = Files.createDirectories(home.resolve("ro"));
        Files.writeString(shared.resolve("hello.txt"), "hello from the host\n");
        Files.writeString(readOnly.resolve("ro.txt"), "read only\n");
        for (Path p : new Path[] {home, shared, readOnly}) p.toFile().setExecutable(true, false);
        shared.toFile().setReadable(true, false);
        readOnly.toFile().setReadable(true, false);
        CompletableFuture<Pb.Result> r = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", "--name", "vm-r", "--memory", "1G",
                "-v", shared + ":/mnt/share", "-v", readOnly + ":/mnt/ro:ro", IMAGE));
        CompletableFuture<Pb.Result> u = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", "--name", "vm-u", "--memory", "1G",
                "-u", "core", "-v", shared + ":/mnt/share", IMAGE));
        Pb.Result rr = r.get();
        Pb.Result ru = u.get();
        System.out.println("vm-r: " + rr + "\nvm-u: " + ru);
        assertEquals(0, rr.exit(), rr.toString());
        assertEquals(0, ru.exit(), ru.toString());
        System.out.printf("both systemd-252 VMs ready in %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    @AfterAll
    static void cleanUp() {
        if (pb != null) pb.run("rm", "-f", "--all");
        System.out.printf("Systemd252VolumesIT wall time: %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    static String ssh(String vm, String command) {
        Pb.Result r = pb.run("ssh", vm, "--", command);
        assertEquals(0, r.exit(), "pb ssh " + vm + " -- " + command + ": " + r);
        return r.out();
    }

    static JsonNode get(String vm) throws Exception {
        return new ObjectMapper().readTree(pb.run("get", vm, "-o", "json").out());
    }

    @Test
    @Order(1)
    void theGuestHasSystemd252AndPbRecordedIt() throws Exception {
        assertTrue(ssh("vm-r", "systemctl --version").startsWith("systemd 252 "), "the fixture variant reproduces CentOS Stream 9's systemd");
        JsonNode vm = get("vm-r");
        assertEquals(252, vm.at("/status/systemdVersion").asInt(), vm.toString());
        JsonNode volumes = null;
        for (JsonNode c : vm.at("/status/conditions")) if (c.get("type").asText().equals("VolumesReady")) volumes = c;
        assertTrue(volumes != null && volumes.get("status").asText().equals("True"), vm.toString());
        Path meta = Path.of(vm.at("/status/baseDisk").asText().replace(".qcow2", ".json"));
        assertEquals(252, new ObjectMapper().readTree(meta.toFile()).get("systemdVersion").asInt(), "the base disk's metadata keeps it");
    }

    @Test
    @Order(2)
    void atFirstBootTheHostsFilesAreThereReadWriteAndReadOnly() throws Exception {
        assertEquals("hello from the host\n", ssh("vm-r", "cat /mnt/share/hello.txt"));
        ssh("vm-r", "echo written by the guest > /mnt/share/from-guest.txt && sync");
        assertEquals("written by the guest\n", Files.readString(shared.resolve("from-guest.txt")));
        assertEquals("read only\n", ssh("vm-r", "cat /mnt/ro/ro.txt"));
        Pb.Result write = pb.run("ssh", "vm-r", "--", "touch /mnt/ro/nope");
        assertNotEquals(0, write.exit(), "a read-only volume: " + write);
        assertFalse(Files.exists(readOnly.resolve("nope")));
        assertTrue(ssh("vm-r", "findmnt -n -o FSTYPE,OPTIONS /var/mnt/ro").startsWith("virtiofs ro"), "mounted read-only at the real path");
    }

    @Test
    @Order(3)
    void rootSshAndANonRootUserWorkAndTheUserSeesTheVolume() {
        assertEquals("root\n", ssh("vm-r", "id -un"));
        assertEquals("core\n", ssh("vm-u", "id -un"));
        assertEquals("hello from the host\n", ssh("vm-u", "cat /mnt/share/hello.txt"));
        assertEquals("written by the guest\n", ssh("vm-u", "cat /mnt/share/from-guest.txt"), "both VMs share the host folder");
    }

    @Test
    @Order(4)
    void afterStopAndStartTheGuestMountsTheVolumesByItselfBeforeSshIsUp() throws Exception {
        for (String vm : new String[] {"vm-r", "vm-u"}) {
            Pb.Result stop = pb.run("stop", vm);
            assertEquals(0, stop.exit(), stop.toString());
            Pb.Result start = pb.run("start", vm);
            assertEquals(0, start.exit(), start.toString());
            assertEquals("hello from the host\n", ssh(vm, "cat /mnt/share/hello.txt"), vm);
            assertEquals("enabled\n", ssh(vm, "systemctl is-enabled " + SHARE_UNIT), vm);
            // mounted by the unit pb left at the first boot, before sshd started (pb can only mount once SSH answers)
            long mounted = Long.parseLong(ssh(vm, "systemctl show -P ActiveEnterTimestampMonotonic " + SHARE_UNIT).trim());
            long sshd = Long.parseLong(ssh(vm, "systemctl show -P ActiveEnterTimestampMonotonic ssh.service").trim());
            assertTrue(mounted > 0 && mounted < sshd, vm + ": mounted at " + mounted + " us, sshd up at " + sshd + " us");
        }
        assertEquals("read only\n", ssh("vm-r", "cat /mnt/ro/ro.txt"));
    }

    @Test
    @Order(5)
    void aVolumeTakenOutOfTheSpecIsGoneAfterTheNextStart() throws Exception {
        Path yaml = home.resolve("vm-r.yaml");
        Files.writeString(yaml, """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata:
                  name: vm-r
                spec:
                  image: %s
                  resources:
                    memory: 1Gi
                  volumes:
                  - hostPath: %s
                    guestPath: /mnt/ro
                    readOnly: true
                """.formatted(IMAGE, readOnly));
        Pb.Result applied = pb.run("apply", "-f", yaml.toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertEquals(0, pb.run("stop", "vm-r").exit());
        Pb.Result start = pb.run("start", "vm-r");
        assertEquals(0, start.exit(), start.toString());
        assertEquals("read only\n", ssh("vm-r", "cat /mnt/ro/ro.txt"), "the read-only folder, now the first volume (tag pb-vol0)");
        assertNotEquals(0, pb.run("ssh", "vm-r", "--", "test -e /mnt/share/hello.txt").exit(), "the removed volume is not mounted");
        assertNotEquals(0, pb.run("ssh", "vm-r", "--", "test -e /etc/systemd/system/" + SHARE_UNIT).exit(), "and its unit is removed");
    }

    @Test
    @Order(6)
    void volumesWithoutANetworkAreRefusedUpFrontOnThisImage() {
        Pb.Result r = pb.run("run", "-B", "--name", "vm-nonet", "--network", "none", "-v", shared + ":/mnt/share", IMAGE);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("has systemd 252, which ignores the fstab.extra credential (254+), so pb mounts its volumes over SSH,"
                + " and network none leaves no SSH"), r.err());
        assertEquals(3, pb.run("get", "vm-nonet").exit(), "nothing is left behind");
    }
}
