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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strict fixture behaves as Fedora's and CentOS's bootc images do (a /root symlink into /var
 * made at boot, a read-only root, USER set, install configuration or none); pb runs both with no
 * options, boots a signed boot chain under Secure Boot and reports an unsigned one refused, and
 * gives every VM a TPM. Four VMs boot in parallel and are shared by the cases. The two plain ones
 * are given as users of podman-bootc give images: the Fedora-like one pinned by digest (as GitOps
 * does), the CentOS-like one by its short image ID (as podman images shows it).
 */
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealImagesIT {
    /** Fedora-like: declares no root file system, so pb's default (xfs) is used. */
    static final String FEDORA_LIKE = Prerequisites.IMAGE;
    static final String FEDORA_LIKE_VM = "pb-fixture-latest";
    /** CentOS-like: declares xfs in /usr/lib/bootc/install. */
    static final String CENTOS_LIKE = Prerequisites.IMAGE_XFS;
    static final String CENTOS_LIKE_VM = "pb-fixture-xfs-latest";
    static final long GIB = 1L << 30;
    static final long ESP = 512L << 20;
    /** Where a bootc guest keeps its deployment's origin (the fixture's stand-in writes it there too). */
    static final String ORIGIN = "/ostree/deploy/default/deploy/*.origin";
    /** FEDORA_LIKE by digest, with its tag: name:tag@sha256:... */
    static String fedoraPinned;
    static String centosShortId;

    static Path home;
    static Pb pb;
    static Pb.Result unsignedUnderSecureBoot;
    static JsonNode unsignedStatus;
    static long suiteStart;

    @BeforeAll
    static void boot() throws Exception {
        suiteStart = System.nanoTime();
        pb = Pb.onFreshHome("pb-e2e-real");
        home = pb.home();
        fedoraPinned = FEDORA_LIKE + "@" + Pb.host("podman", "image", "inspect", "--format", "{{.Digest}}", FEDORA_LIKE).strip();
        centosShortId = Pb.host("podman", "image", "inspect", "--format", "{{.Id}}", CENTOS_LIKE).strip().substring(0, 12);
        CompletableFuture<Pb.Result> fedora = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", fedoraPinned));
        CompletableFuture<Pb.Result> centos = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", centosShortId));
        CompletableFuture<Pb.Result> signed = CompletableFuture.supplyAsync(() -> pb.run("run", "-B", "--name", "vm-secure", "--memory", "1G",
                "--firmware", "uefi-secure", Prerequisites.IMAGE_SIGNED));
        CompletableFuture<Pb.Result> unsigned = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            Pb.Result r = pb.run("run", "-B", "--name", "vm-unsigned", "--memory", "1G", "--firmware", "uefi-secure", FEDORA_LIKE);
            System.out.printf("unsigned boot loader under Secure Boot: pb run ended (exit %d) after %.1f s: %s%n", r.exit(),
                    (System.nanoTime() - t0) / 1e9, r.err().strip().lines().reduce((x, y) -> y).orElse(""));
            return r;
        });
        // the refused VM sits in the firmware burning a CPU: record what it shows, then take it away
        unsignedUnderSecureBoot = unsigned.get();
        unsignedStatus = get("vm-unsigned");
        pb.run("rm", "-f", "vm-unsigned");
        String[] names = {FEDORA_LIKE_VM, CENTOS_LIKE_VM, "vm-secure"};
        List<CompletableFuture<Pb.Result>> runs = List.of(fedora, centos, signed);
        for (int i = 0; i < names.length; i++) {
            Pb.Result r = runs.get(i).get();
            System.out.println(r);
            assertEquals(0, r.exit(), r + "\nserial log of " + names[i] + ":\n" + pb.serialTail(names[i], 40));
        }
        System.out.printf("real-image VMs ready in %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    @AfterAll
    static void cleanUp() {
        if (pb != null) pb.run("rm", "-f", "--all");
        System.out.printf("RealImagesIT wall time: %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    static Pb.Result ssh(String vm, String... cmd) {
        String[] args = new String[cmd.length + 3];
        args[0] = "ssh";
        args[1] = vm;
        args[2] = "--";
        System.arraycopy(cmd, 0, args, 3, cmd.length);
        return pb.run(args);
    }

    static JsonNode get(String vm) throws Exception {
        return new ObjectMapper().readTree(pb.run("get", vm, "-o", "json").out());
    }

    @Test
    @Order(1)
    void rootLogsInAtFirstBootThroughTheRootSymlinkOfBothVariants() {
        for (String vm : List.of(FEDORA_LIKE_VM, CENTOS_LIKE_VM)) {
            // /root is var/roothome, made at boot after provision.conf: ssh.authorized_keys.root alone writes nothing there
            assertEquals("var/roothome\n", ssh(vm, "readlink", "/root").out(), vm + " is as strict as a bootc image");
            Pb.Result who = ssh(vm, "id", "-un");
            assertEquals("root\n", who.out(), who.toString());
        }
    }

    @Test
    @Order(2)
    void theRootFileSystemIsXfsAndSpansTheDisk() throws Exception {
        for (String vm : List.of(FEDORA_LIKE_VM, CENTOS_LIKE_VM)) {
            assertEquals("xfs", get(vm).at("/status/filesystem").asText(), vm + ": the default for an image that declares none, the declared one otherwise");
            Pb.Result df = ssh(vm, "df", "-B1", "--output=size,fstype", "/");
            String[] row = df.out().lines().skip(1).findFirst().orElseThrow().trim().split("\\s+");
            long size = Long.parseLong(row[0]);
            assertEquals("xfs", row[1], df.toString());
            long expected = 20 * GIB - ESP;
            assertTrue(Math.abs(size - expected) <= expected * 0.05, vm + ": df / = " + size + " bytes, disk.size - ESP = " + expected);
        }
    }

    @Test
    @Order(3)
    void theRootIsReadOnlyButEtcAndVarAreWritable() {
        assertNotEquals(0, ssh(FEDORA_LIKE_VM, "mkdir", "/data").exit(), "a top-level folder cannot be made on a bootc root");
        assertEquals(0, ssh(FEDORA_LIKE_VM, "touch", "/etc/pb-e2e", "/var/pb-e2e").exit());
    }

    @Test
    @Order(4)
    void aDefaultVmHasATpmWhoseStateGoesWithIt() throws Exception {
        assertEquals(0, ssh(FEDORA_LIKE_VM, "test", "-c", "/dev/tpm0").exit(), "/dev/tpm0 in a default VM");
        String uuid = get(FEDORA_LIKE_VM).at("/status/domainUUID").asText();
        assertTrue(Files.isDirectory(Path.of("/var/lib/libvirt/swtpm", uuid)), "swtpm state of " + uuid);
    }

    @Test
    @Order(5)
    void aFileUnderVarSurvivesStopAndStart() {
        assertEquals(0, ssh(FEDORA_LIKE_VM, "sh", "-c", "mkdir -p /var/lib/pb-e2e && echo kept > /var/lib/pb-e2e/f && sync").exit());
        assertEquals(0, pb.run("stop", FEDORA_LIKE_VM).exit());
        Pb.Result start = pb.run("start", FEDORA_LIKE_VM);
        assertEquals(0, start.exit(), start.toString());
        assertEquals("kept\n", ssh(FEDORA_LIKE_VM, "cat", "/var/lib/pb-e2e/f").out());
    }

    @Test
    @Order(6)
    void aSignedBootChainBootsUnderSecureBoot() throws Exception {
        Pb.Result sb = ssh("vm-secure", "mokutil", "--sb-state");
        assertTrue(sb.out().contains("SecureBoot enabled"), sb.toString());
        String xml = Pb.host("virsh", "-c", "qemu:///system", "dumpxml", "--inactive", get("vm-secure").at("/status/domainName").asText());
        assertTrue(xml.contains("firmware='efi'"), xml);
        assertFalse(xml.contains("OVMF"), "pb names no firmware file: " + xml);
    }

    @Test
    @Order(7)
    void anUnsignedBootLoaderUnderSecureBootIsReportedRefusedNotAnSshTimeout() throws Exception {
        Pb.Result r = unsignedUnderSecureBoot;
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Secure Boot refused the boot loader of VM vm-unsigned"), r.err());
        JsonNode ready = null;
        for (JsonNode c : unsignedStatus.at("/status/conditions")) if (c.get("type").asText().equals("Ready")) ready = c;
        assertEquals("SecureBootRefused", ready.get("reason").asText(), String.valueOf(ready));
        assertEquals(3, pb.run("get", "vm-unsigned").exit(), "removed in the set-up");
    }

    @Test
    @Order(8)
    void aVolumeTheReadOnlyRootCannotHoldIsRefusedAndLeavesNothing() throws Exception {
        Path shared = Files.createDirectories(home.resolve("data"));
        String before = pb.run("list", "--format", "json").out();
        Pb.Result r = pb.run("run", "-B", "--name", "vm-data", "-v", shared + ":/data", FEDORA_LIKE);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("/data") && r.err().contains("/var") && r.err().contains("/mnt"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals(before, pb.run("list", "--format", "json").out());
        assertEquals(3, pb.run("get", "vm-data").exit(), "no resource left behind");
        // other classes' VMs come and go meanwhile (two classes run at a time): this one's name only
        assertFalse(Pb.host("virsh", "-c", "qemu:///system", "list", "--all", "--name").lines().anyMatch(l -> l.strip().equals("default_vm-data")),
                "no domain for vm-data");
    }

    @Test
    @Order(9)
    void aVmRunByDigestIsNamedWithoutItAndItsGuestFollowsThePin() throws Exception {
        assertEquals(fedoraPinned, get(FEDORA_LIKE_VM).at("/spec/image").asText(), "the resource keeps the pin whole");
        String digest = fedoraPinned.substring(fedoraPinned.indexOf('@') + 1);
        String shown = FEDORA_LIKE + "@" + digest.substring(0, "sha256:".length() + 12);
        String list = pb.run("list").out();
        assertTrue(list.lines().anyMatch(l -> l.startsWith(FEDORA_LIKE_VM + " ") && l.contains(shown + " ")), "REPO shortened as podman shows IDs: " + list);
        assertFalse(list.contains(digest), list);
        // podman looks name:tag@digest up by the digest alone; the origin holds name@digest, what a registry can serve
        String repo = FEDORA_LIKE.substring(0, FEDORA_LIKE.lastIndexOf(':'));
        Pb.Result origin = ssh(FEDORA_LIKE_VM, "sh", "-c", "cat " + ORIGIN);
        assertTrue(origin.out().contains("container-image-reference=ostree-unverified-registry:" + repo + "@" + digest + "\n"), origin.toString());
    }

    @Test
    @Order(10)
    void aVmRunByShortIdIsNamedAndFollowsTheImagesFirstTag() throws Exception {
        assertEquals(CENTOS_LIKE, get(CENTOS_LIKE_VM).at("/spec/image").asText(), "pb run " + centosShortId + " records the tag, not the ID");
        Pb.Result origin = ssh(CENTOS_LIKE_VM, "sh", "-c", "cat " + ORIGIN);
        assertTrue(origin.out().contains("container-image-reference=ostree-unverified-registry:" + CENTOS_LIKE + "\n"), origin.toString());
        Pb.Result again = pb.run("run", "-B", CENTOS_LIKE);
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("VM " + CENTOS_LIKE_VM + " is running"), "the tag finds the VM its ID made: " + again);
    }

    @Test
    @Order(11)
    void rmTakesTheTpmStateWithTheDomain() throws Exception {
        String uuid = get(FEDORA_LIKE_VM).at("/status/domainUUID").asText();
        assertEquals(0, pb.run("rm", "-f", FEDORA_LIKE_VM).exit());
        assertFalse(Files.exists(Path.of("/var/lib/libvirt/swtpm", uuid)), "TPM state removed with the VM");
    }
}
