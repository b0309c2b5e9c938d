package dev.bootc.pb.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.kubetest.RealApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26 on the fleet face: the real operator ({@code ./pb --store kube operator}) on the real upstream API server and
 * the host's libvirt, driven by {@code kubectl apply} alone. One VM of the ostree test image v1; spec.image changed to v2:
 * updated in place (the same overlay disk, /var kept, v2's files), the status and {@code kubectl get bvm} showing the
 * booted digest; {@code pb --store kube upgrade} asks the operator by the annotation (nothing new: no reboot); then back
 * to v1 with {@code updateStrategy: Recreate}: a new disk (/var's file gone).
 */
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeclarativeUpdateIT {
    static final String NODE = "node-decl";
    static final String NS = "default";
    static final String VM = "decl";
    /** The fixture's own name: its base disk (per reference) is shared with InPlaceUpdateIT's second VM, not built twice. */
    static final String V1 = "localhost/pb-fixture-ostree:v1";
    static final String V2 = "localhost/pb-decl-it:v2";
    static final ObjectMapper JSON = new ObjectMapper();

    static RealApiServer server;
    static Path home;
    static Pb pb;
    static Process operator;
    static Path operatorLog;
    static String v1;
    static String v2;
    static long suiteStart;

    @BeforeAll
    static void anOperatorAndAVmOfV1() throws Exception {
        suiteStart = System.nanoTime();
        Prerequisites.ensure();
        assertEquals(0, Prerequisites.run("src/test/images/ostree/build-fixture-ostree.sh", "--version", "v1"), "build the ostree fixture v1");
        Pb.host("podman", "build", "--pull=never", "--build-arg", "BASE=" + V1, "-t", V2, "src/test/images/ostree/v2");
        v1 = InPlaceUpdateIT.digest(V1);
        v2 = InPlaceUpdateIT.digest(V2);
        server = RealApiServer.shared();
        server.applyCommittedCrd();
        home = Files.createTempDirectory("pb-decl-it");
        home.toFile().setExecutable(true, false); // QEMU (libvirt-qemu) reaches the disks under it
        pb = new Pb(home).withEnv("KUBECONFIG", server.kubeconfig().toString());
        operatorLog = home.resolve("operator.log");
        ProcessBuilder b = pb.builder("--store", "kube", "operator", "--node-name", NODE).redirectErrorStream(true)
                .redirectOutput(operatorLog.toFile());
        b.environment().put("PB_LEADER_ELECTION", "false");
        operator = b.start();
        apply(V1, "");
        JsonNode vm = awaitVm(v -> isTrue(v, "Ready"), Duration.ofMinutes(15));
        assertEquals(v1, vm.at("/status/imageDigest").asText(), vm.toPrettyString());
        // InPlaceUpdateIT's VM boots the same digest under another tag: each follows its own reference (bcvk #138)
        assertEquals(V1, vm.at("/status/guest/booted/image").asText(), "the deployment follows the reference it was made from");
        System.out.printf("v1 Ready in %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (server != null) server.kubectl(null, "delete", "bvm", VM, "-n", NS, "--wait=false");
        if (operator != null && operator.isAlive()) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> kubeVm() == null);
        }
        if (operator != null) {
            operator.destroy();
            operator.waitFor(30, TimeUnit.SECONDS);
            operator.destroyForcibly();
        }
        if (operatorLog != null && Files.exists(operatorLog)) {
            System.out.println("operator log (tail):\n" + String.join("\n", Files.readAllLines(operatorLog).stream()
                    .skip(Math.max(0, Files.readAllLines(operatorLog).size() - 40)).toList()));
        }
        Prerequisites.run("podman", "rmi", "-i", V2);
        System.out.printf("DeclarativeUpdateIT wall time: %.1f s%n", (System.nanoTime() - suiteStart) / 1e9);
    }

    @Test
    @Order(1)
    void kubectlApplyOfAChangedImageUpdatesTheVmInPlace() throws Exception {
        ssh("echo kept >/var/lib/keep");
        String diskPath = kubeVm().at("/status/diskPath").asText();
        Object disk = Files.readAttributes(Path.of(diskPath), java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        long t0 = System.nanoTime();
        apply(V2, "");
        JsonNode vm = awaitVm(v -> v2.equals(v.at("/status/imageDigest").asText()) && "Running".equals(v.at("/status/phase").asText()),
                Duration.ofMinutes(20));
        System.out.printf("kubectl apply (v1 -> v2 in place) to Running in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(v2, vm.at("/status/guest/booted/digest").asText(), vm.toPrettyString());
        assertEquals(v1, vm.at("/status/guest/rollback/digest").asText());
        assertEquals(V2, vm.at("/status/update/image").asText());
        assertEquals(disk, Files.readAttributes(Path.of(diskPath), java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                "the same overlay disk: no new one");
        assertEquals("kept\nv2", ssh("cat /var/lib/keep; cat /usr/share/pb-fixture/release"), "/var kept, v2's /usr");

        RealApiServer.Result get = server.kubectl(null, "get", "bvm", VM, "-n", NS);
        assertEquals(0, get.exitCode(), get.output());
        assertTrue(get.output().lines().findFirst().orElse("").contains("BOOTED"), get.output());
        assertTrue(get.output().contains(V2) && get.output().contains(v2), "kubectl get bvm shows the image and the booted digest: " + get.output());
    }

    @Test
    @Order(2)
    void pbUpgradeOnTheKubeStoreAsksTheOperatorByTheAnnotation() throws Exception {
        String boot = ssh("cat /proc/sys/kernel/random/boot_id");
        Pb.Result up = pb.run("--store", "kube", "upgrade", VM);
        assertEquals(0, up.exit(), up.toString());
        assertTrue(up.out().contains(VM + ": up to date, booted " + v2), up.out());
        JsonNode vm = kubeVm();
        String stamp = vm.at("/metadata/annotations/bootc.dev~1upgrade-requested-at").asText();
        assertTrue(!stamp.isEmpty(), "the request is on the resource: " + vm.at("/metadata"));
        assertEquals(stamp, vm.at("/status/update/request").asText(), "and the operator recorded acting on it");
        assertEquals(boot, ssh("cat /proc/sys/kernel/random/boot_id"), "nothing new: no reboot");
    }

    @Test
    @Order(3)
    void recreateGivesAFreshDiskOfTheNewImage() throws Exception {
        long t0 = System.nanoTime();
        apply(V1, "  updateStrategy: Recreate\n");
        JsonNode vm = awaitVm(v -> v1.equals(v.at("/status/imageDigest").asText()) && isTrue(v, "Ready"), Duration.ofMinutes(15));
        System.out.printf("kubectl apply (v2 -> v1, Recreate) to Ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        // (a new file may get the old one's inode number: the fresh install shows in the guest instead)
        assertEquals("none\nv1", ssh("cat /var/lib/keep 2>/dev/null || echo none; cat /usr/share/pb-fixture/release"), "/var is new");
        assertEquals(v1, vm.at("/status/guest/booted/digest").asText(), vm.toPrettyString());
        assertTrue(vm.at("/status/guest/rollback").isMissingNode() || vm.at("/status/guest/rollback").isNull(), "a fresh install: " + vm);
    }

    static void apply(String image, String moreSpec) {
        String yaml = """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata: {name: %s, namespace: %s, labels: {bootc.dev/node: %s}}
                spec:
                  image: %s
                  nodeName: %s
                  resources: {memory: 2Gi}
                  disk: {filesystem: ext4}
                %s""".formatted(VM, NS, NODE, image, NODE, moreSpec);
        RealApiServer.Result r = server.kubectl(yaml, "apply", "-f", "-");
        assertEquals(0, r.exitCode(), r.output());
    }

    static String ssh(String command) {
        Pb.Result r = pb.run("--store", "kube", "ssh", VM, "--", command);
        assertEquals(0, r.exit(), "pb ssh " + VM + " -- " + command + ": " + r);
        return r.out().strip();
    }

    static boolean isTrue(JsonNode vm, String type) {
        for (JsonNode c : vm.at("/status/conditions")) {
            if (type.equals(c.path("type").asText())) return "True".equals(c.path("status").asText());
        }
        return false;
    }

    static JsonNode kubeVm() throws Exception {
        RealApiServer.Result r = server.kubectl(null, "get", "bvm", VM, "-n", NS, "-o", "json");
        return r.exitCode() == 0 ? JSON.readTree(r.output()) : null;
    }

    static JsonNode awaitVm(Predicate<JsonNode> done, Duration limit) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(limit).pollInterval(Duration.ofSeconds(2)).failFast("the operator exited", () -> !operator.isAlive()).until(() -> {
            last[0] = kubeVm();
            return last[0] != null && done.test(last[0]);
        });
        return last[0];
    }
}
