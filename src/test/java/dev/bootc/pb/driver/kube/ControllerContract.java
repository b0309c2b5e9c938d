package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.CrdFiles;
import dev.bootc.pb.testing.TestDriverWorld;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.boot.StoreKind;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.store.kube.KubeBootcVm;
import dev.bootc.pb.store.kube.KubeEvents;
import dev.bootc.pb.store.kube.KubeVmStore;
import dev.bootc.pb.verbs.RunVerb;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes driver against an API server and real libvirt (test:///default): finalizer, conditions
 * and phase; deletion removes the domain; another node's resource is left alone; pb run through a
 * watch. Run on fabric8's mock server ({@link MockServerControllerContract}, which also has Events and Leases) and on the
 * real upstream API server ({@code kubetest.BootcVmControllerRealServerTest}).
 */
public abstract class ControllerContract {
    /** The world and root of the running test class (Quarkus starts the application anew for each class). */
    static TestDriverWorld world;
    static Root root;
    static Class<?> startedFor;

    /** The user agent of the test's own requests. */
    protected static final String TEST_AGENT = "pb-test";
    @Inject
    protected KubernetesClient client;
    private KubernetesClient testClient;
    @Inject
    Instance<Operator> operator;
    @Inject
    ControllerWiring wiring;

    @BeforeEach
    void startOperator() throws Exception {
        installCrd();
        synchronized (ControllerContract.class) {
            if (startedFor != getClass()) {
                Path dir = Files.createTempDirectory("pb-operator-test");
                world = new TestDriverWorld(dir);
                Config config = Config.load(Map.of("PB_DATA_DIR", dir.resolve("data").toString(), "PB_IMAGES_DIR", dir.resolve("images").toString(),
                        "PB_LIBVIRT_URI", "test:///default", "NODE_NAME", "node-a", "PB_STORE", "kube",
                        "PB_LEADER_ELECTION", Boolean.toString(leaderElection())), "tester", dir, Config.Options.none());
                beforeStart();
                root = new Root(config, world.parts(new KubeVmStore(client, false), new KubeEvents(client, "node-a")));
                root.wire(wiring, "node-a");
                operator.get().start();
                startedFor = getClass();
            }
        }
    }

    /** The client of the test's own requests: its user agent tells them from the operator's. */
    protected synchronized KubernetesClient testClient() {
        if (testClient == null) {
            testClient = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                    new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration()).withUserAgent(TEST_AGENT).build()).build();
        }
        return testClient;
    }

    /** Whether the server serves Leases (and the access review leader election asks first). */
    protected abstract boolean leaderElection();

    /** What the server needs before the operator starts. */
    protected void beforeStart() {
    }

    /** Puts the CRD on the server when it is not there. */
    protected abstract void installCrd() throws Exception;

    /** What a server can show besides the resource once the VM runs (Events, on a server that serves them). */
    protected void afterRunning(BootcVm vm) throws Exception {
    }

    protected KubeBootcVm vm(String ns, String name, String node) {
        BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
        spec.setNodeName(node);
        BootcVm vm = new BootcVm(ns, name, spec);
        vm.getMetadata().setLabels(Map.of(BootcVm.NODE_LABEL, node));
        return new KubeVmStore(testClient(), false).toKube(vm);
    }

    protected BootcVm get(String ns, String name) {
        return KubeVmStore.toModel(testClient().resources(KubeBootcVm.class).inNamespace(ns).withName(name).get());
    }

    private boolean domainExists(BootcVm v) {
        return world.domains.find(root.layout().domainName(VmKey.of(v))).isPresent();
    }

    @Test
    void appliedVmGetsFinalizerConditionsPhaseAndADomainAndDeletionRemovesIt() throws Exception {
        testClient().resources(KubeBootcVm.class).inNamespace("team-a").resource(vm("team-a", "web", "node-a")).create();
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
        assertTrue(world.domains.find(root.layout().domainName(VmKey.of(v))).orElseThrow().running(), "the domain runs on libvirt");
        afterRunning(v);

        testClient().resources(KubeBootcVm.class).inNamespace("team-a").withName("web").delete();
        waitFor(() -> get("team-a", "web") == null);
        assertFalse(domainExists(v), "deleting the resource removed the domain");
        assertFalse(Files.exists(world.layout.overlay(VmKey.of(v))), "and its disk");
    }

    @Test
    void aResourceForAnotherNodeIsLeftAlone() throws Exception {
        testClient().resources(KubeBootcVm.class).inNamespace("team-b").resource(vm("team-b", "elsewhere", "node-b")).create();
        testClient().resources(KubeBootcVm.class).inNamespace("team-b").resource(vm("team-b", "here", "node-a")).create();
        waitFor(() -> {
            BootcVm v = get("team-b", "here");
            return v != null && v.getStatus() != null && v.getStatus().getPhase() == Phase.Running;
        });
        BootcVm other = get("team-b", "elsewhere");
        assertNull(other.getStatus(), "no status written for node-b's VM");
        assertTrue(other.getMetadata().getFinalizers() == null || other.getMetadata().getFinalizers().isEmpty());
        assertFalse(domainExists(other), "no domain defined for node-b's VM");
        testClient().resources(KubeBootcVm.class).inNamespace("team-b").withName("here").delete();
        waitFor(() -> get("team-b", "here") == null);
    }

    /** {@code pb --store kube --namespace NS run -B NAME}: the CLI's verb on this server, this node, its own client. */
    private RunVerb.Result pbRunBackground(String namespace, String name, BootcVmSpec spec) {
        Config c = root.config();
        Config cli = new Config(StoreKind.kube, c.storeDir(), namespace, null, c.libvirtUri(), c.dataRoot(), c.imagesRoot(), c.root(),
                c.node(), c.accel(), c.sshTimeout(), c.shutdownTimeout(), c.runTimeout(), true, false, java.util.Optional.empty(), false, c.diskBuilder(), c.policy());
        Root verbs = new Root(cli, world.parts(new KubeVmStore(testClient(), false), new KubeEvents(testClient(), "node-a")));
        return verbs.run().run(new RunVerb.Request(name, spec, false, true, false, List.of()), new RunVerb.Feedback() {
            @Override
            public void progress(String line) {
            }

            @Override
            public void connecting(String vmName, boolean withCommand) {
            }
        });
    }

    @Test
    void pbRunOnTheKubeStoreCreatesTheResourceForThisNodeAndWaitsThroughAWatch() {
        RunVerb.Result r = pbRunBackground("team-c", "kube-vm", new BootcVmSpec("localhost/pb-fixture:latest"));
        assertEquals(0, r.exitCode());
        assertTrue(r.background());
        BootcVm v = get("team-c", "kube-vm");
        assertEquals(Phase.Running, v.getStatus().getPhase());
        assertEquals("node-a", v.getSpec().getNodeName(), "pb names this node");
        assertEquals("node-a", v.getMetadata().getLabels().get(BootcVm.NODE_LABEL), "and labels the resource with it");
        testClient().resources(KubeBootcVm.class).inNamespace("team-c").withName("kube-vm").delete();
    }

    /** {@code pb --store kube run --pull always}: the operator, which does the pull, pulls (issue 25). */
    @Test
    void pbRunWithPullAlwaysOnTheKubeStorePulls() {
        String image = "quay.io/example/pulled-bootc:42";
        BootcVmSpec spec = new BootcVmSpec(image);
        spec.setImagePullPolicy(PullPolicy.Always); // what --pull always sets
        assertEquals(0, pbRunBackground("team-p", "pulled", spec).exitCode());
        assertEquals(PullPolicy.Always, world.pulls.get(image), "the operator pulled: " + world.pulls);
        testClient().resources(KubeBootcVm.class).inNamespace("team-p").withName("pulled").delete();
        waitFor(() -> get("team-p", "pulled") == null);
    }

    /**
     * A VM whose cloud-init Secret is not there waits: a condition naming the Secret and its key, retried (not
     * Failed), and nothing made for it. On the real API server of the kubetest harness no Secret can exist (it
     * serves no core API); the mock server's contract also creates the Secret and sees the VM boot.
     */
    @Test
    void aVmWhoseCloudInitSecretIsMissingWaitsOnARetriedConditionNamingIt() throws Exception {
        BootcVm model = KubeVmStore.toModel(vm("team-m", "web", "node-a"));
        model.getSpec().setCloudInit(dev.bootc.pb.api.CloudInitSpec.ofSecret("web-ci"));
        testClient().resources(KubeBootcVm.class).inNamespace("team-m").resource(new KubeVmStore(testClient(), false).toKube(model)).create();
        waitFor(() -> {
            BootcVm v = get("team-m", "web");
            return v != null && v.getStatus() != null && v.getStatus().condition(Conditions.READY)
                    .filter(c -> "SecretNotFound".equals(c.getReason())).isPresent();
        });
        BootcVm v = get("team-m", "web");
        String message = v.getStatus().condition(Conditions.READY).orElseThrow().getMessage();
        assertTrue(message.contains("Secret team-m/web-ci") && message.contains("userdata"), message);
        assertTrue(v.getStatus().getPhase() != Phase.Failed, "retried, not failed: " + v.getStatus().getPhase());
        assertFalse(Files.exists(world.layout.overlay(VmKey.of(model))), "no disk");
        assertFalse(domainExists(model), "no domain");
        testClient().resources(KubeBootcVm.class).inNamespace("team-m").withName("web").delete();
        waitFor(() -> get("team-m", "web") == null);
    }

    protected static void waitFor(BooleanSupplier cond) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(cond::getAsBoolean);
    }
}
