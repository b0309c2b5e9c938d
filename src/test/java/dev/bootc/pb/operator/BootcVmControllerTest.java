package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.CrdFiles;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.reconcile.VmReconciler;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes driver against an API server (fabric8's mock, CRUD) and real libvirt (test:///default):
 * finalizer, conditions and phase; deletion removes the domain; another node's resource is left alone.
 */
@QuarkusTest
@org.junit.jupiter.api.Tag("quarkus")
@WithKubernetesTestServer
class BootcVmControllerTest {
    static LibvirtTestDriverWorld world;
    static boolean started;

    @Inject
    KubernetesClient client;
    @Inject
    Operator operator;

    @BeforeEach
    void startOperator() throws Exception {
        if (client.apiextensions().v1().customResourceDefinitions().withName("bootcvms.bootc.dev").get() == null) {
            CustomResourceDefinition crd = client.getKubernetesSerialization()
                    .unmarshal(Files.readString(CrdFiles.COMMITTED), CustomResourceDefinition.class);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        synchronized (BootcVmControllerTest.class) {
            if (!started) {
                Path dir = Files.createTempDirectory("pb-operator-test");
                world = new LibvirtTestDriverWorld(dir);
                OperatorSettings.configure("node-a", () -> new VmReconciler(world, Duration.ofMinutes(1), Duration.ofSeconds(5)), dir.resolve("locks"));
                operator.start();
                started = true;
            }
        }
    }

    private BootcVm vm(String ns, String name, String node) {
        BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
        spec.setNodeName(node);
        return new BootcVm(ns, name, spec);
    }

    private BootcVm get(String ns, String name) {
        return client.resources(BootcVm.class).inNamespace(ns).withName(name).get();
    }

    @Test
    void appliedVmGetsFinalizerConditionsPhaseAndADomainAndDeletionRemovesIt() throws Exception {
        client.resources(BootcVm.class).inNamespace("team-a").resource(vm("team-a", "web", "node-a")).create();
        waitFor(() -> {
            BootcVm v = get("team-a", "web");
            return v != null && v.getStatus() != null && v.getStatus().getPhase() == Phase.Running;
        });
        BootcVm v = get("team-a", "web");
        assertTrue(v.getMetadata().getFinalizers().contains(BootcVm.FINALIZER));
        assertEquals("True", v.getStatus().condition(Conditions.READY).orElseThrow().getStatus());
        assertEquals("True", v.getStatus().condition(Conditions.DISK_READY).orElseThrow().getStatus());
        assertEquals("True", v.getStatus().condition(Conditions.DOMAIN_READY).orElseThrow().getStatus());
        assertEquals(v.getMetadata().getGeneration(), v.getStatus().getObservedGeneration());
        assertTrue(world.domain(v).orElseThrow().running(), "the domain runs on libvirt");
        waitFor(() -> client.v1().events().inNamespace("team-a").list().getItems().stream()
                .anyMatch(e -> "Started".equals(e.getReason()) && "web".equals(e.getInvolvedObject().getName())));

        client.resources(BootcVm.class).inNamespace("team-a").withName("web").delete();
        waitFor(() -> get("team-a", "web") == null);
        assertTrue(world.domain(v).isEmpty(), "deleting the resource removed the domain");
        assertFalse(world.overlayExists(v), "and its disk");
    }

    @Test
    void aResourceForAnotherNodeIsLeftAlone() throws Exception {
        client.resources(BootcVm.class).inNamespace("team-b").resource(vm("team-b", "elsewhere", "node-b")).create();
        client.resources(BootcVm.class).inNamespace("team-b").resource(vm("team-b", "here", "node-a")).create();
        waitFor(() -> {
            BootcVm v = get("team-b", "here");
            return v != null && v.getStatus() != null && v.getStatus().getPhase() == Phase.Running;
        });
        BootcVm other = get("team-b", "elsewhere");
        assertNull(other.getStatus(), "no status written for node-b's VM");
        assertTrue(other.getMetadata().getFinalizers() == null || other.getMetadata().getFinalizers().isEmpty());
        assertTrue(world.domain(other).isEmpty(), "no domain defined for node-b's VM");
        client.resources(BootcVm.class).inNamespace("team-b").withName("here").delete();
        waitFor(() -> get("team-b", "here") == null);
    }

    @Test
    void pbRunOnTheKubeStoreCreatesTheResourceForThisNodeAndWaitsThroughAWatch() {
        OperatorSettings.configure("node-a", OperatorSettings.reconciler(), OperatorSettings.lockDir());
        var ctx = new dev.bootc.pb.service.PbContext(dev.bootc.pb.store.StoreKind.kube, null, "team-c", null, "test:///default", true, false);
        ctx.useStore(new dev.bootc.pb.store.kube.KubeVmStore(client, false));
        BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
        spec.setNodeName("node-a");
        var out = new java.io.StringWriter();
        int exit = new dev.bootc.pb.service.VmService(ctx).run(
                new dev.bootc.pb.service.RunOptions("kube-vm", spec, false, true, false, java.util.List.of(), "missing"),
                new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter(), true), line -> { });
        assertEquals(0, exit);
        assertTrue(out.toString().contains("pb ssh kube-vm"), out.toString());
        BootcVm v = get("team-c", "kube-vm");
        assertEquals(Phase.Running, v.getStatus().getPhase());
        assertEquals("node-a", v.getSpec().getNodeName());
        client.resources(BootcVm.class).inNamespace("team-c").withName("kube-vm").delete();
    }

    static void waitFor(BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (cond.getAsBoolean()) return;
            Thread.sleep(100);
        }
        throw new AssertionError("condition not met within 30 s");
    }
}
