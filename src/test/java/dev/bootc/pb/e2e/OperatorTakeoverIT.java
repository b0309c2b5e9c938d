package dev.bootc.pb.e2e;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.store.kube.KubeVmStore;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One active operator per node, as users run it: two `pb operator --store kube` processes (the
 * launcher, quarkus-run.jar) for the same node against one API server (fabric8's mock in CRUD mode,
 * which serves Leases; the upstream apiextensions server does not), each on libvirt's test driver.
 * The first holds the node's Lease and reconciles; the second waits and touches nothing; after
 * {@code kill -9} of the first, the second holds the Lease within 15 s and reconciles.
 */
class OperatorTakeoverIT {
    static final String NODE = "node-t";
    static final Duration TAKEOVER_LIMIT = Duration.ofSeconds(15);
    static KubernetesMockServer server;
    static KubernetesClient client;
    static KubeVmStore store;
    static Path home;
    static Path kubeconfig;
    static final List<Process> operators = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, new KubernetesMixedDispatcher(expectations), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        // the access review the Operator SDK asks before it takes the Lease (the mock has no authorization API)
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
                        .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update")
                        .endResourceRule().withIncomplete(false).endStatus().build()).always();
        client = server.createClient();
        CustomResourceDefinition crd = client.getKubernetesSerialization()
                .unmarshal(Files.readString(Path.of("crds/bootcvms.bootc.dev-v1.yml")), CustomResourceDefinition.class);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        store = new KubeVmStore(server.createClient(), true);
        home = Files.createTempDirectory("pb-takeover-it");
        kubeconfig = home.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "http://127.0.0.1:%d"}
                users:
                - name: mock
                  user: {token: unused}
                contexts:
                - name: mock
                  context: {cluster: mock, user: mock, namespace: default}
                current-context: mock
                """.formatted(server.getPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : operators) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        if (store != null) store.close();
        if (client != null) client.close();
        if (server != null) server.destroy();
    }

    static Process operator(String which) throws Exception {
        Pb pb = new Pb(home);
        ProcessBuilder b = pb.builder("--store", "kube", "-c", "test:///default", "operator", "--node-name", NODE)
                .redirectErrorStream(true).redirectOutput(home.resolve(which + ".log").toFile());
        b.environment().put("KUBECONFIG", kubeconfig.toString());
        Process p = b.start();
        operators.add(p);
        return p;
    }

    static String holder() {
        Lease lease = client.leases().inNamespace("default").withName("pb-operator-" + NODE).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    static String logs() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String w : List.of("first", "second")) {
            Path f = home.resolve(w + ".log");
            if (Files.exists(f)) sb.append("--- ").append(w).append(" operator\n").append(Files.readString(f));
        }
        return sb.toString();
    }

    static void waitFor(Duration limit, Supplier<Boolean> done, String what) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (Boolean.TRUE.equals(done.get())) return;
            for (Process p : operators) {
                if (!p.isAlive() && p.exitValue() != 137 && p.exitValue() != 0) {
                    throw new AssertionError("an operator exited " + p.exitValue() + " while waiting for " + what + "\n" + logs());
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " within " + limit + "\n" + logs());
    }

    static BootcVm vm(String name) {
        BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
        spec.setNodeName(NODE);
        spec.setRunStrategy(RunStrategy.Halted); // a test-driver domain is defined, nothing boots
        return new BootcVm("default", name, spec);
    }

    static Phase phase(String name) {
        BootcVm vm = store.get("default", name).orElse(null);
        return vm == null || vm.getStatus() == null ? null : vm.getStatus().getPhase();
    }

    @Test
    void theSecondOperatorWaitsThenTakesOverWithin15sOfAKill() throws Exception {
        Process first = operator("first");
        String firstId = NODE + "-" + first.pid();
        // the launcher execs java: the process is the operator, its pid is in the Lease's holder
        waitFor(Duration.ofSeconds(120), () -> firstId.equals(holder()), "the first operator holding the node's Lease");
        store.create(vm("before"));
        waitFor(Duration.ofSeconds(60), () -> phase("before") != null, "the first operator reconciling a VM");

        Process second = operator("second");
        String secondId = NODE + "-" + second.pid();
        // the second one starts, sees the Lease held and waits: it stays up and takes nothing
        waitFor(Duration.ofSeconds(120), () -> {
            try {
                return Files.exists(home.resolve("second.log")) && Files.readString(home.resolve("second.log")).contains(firstId);
            } catch (java.io.IOException e) {
                return false;
            }
        }, "the second operator seeing the first as the active one");
        Thread.sleep(3000);
        assertTrue(second.isAlive(), "the waiting operator stays up\n" + logs());
        assertEquals(firstId, holder(), "the Lease stays with the first while it lives");

        first.destroyForcibly(); // kill -9: no lease given up on the way out
        first.waitFor(10, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        waitFor(TAKEOVER_LIMIT, () -> secondId.equals(holder()), "the second operator taking over the Lease after kill -9 of the first");
        double took = (System.nanoTime() - t0) / 1e9;
        System.out.printf("takeover after kill -9: %.1f s (limit %d s)%n", took, TAKEOVER_LIMIT.toSeconds());

        store.create(vm("after"));
        waitFor(Duration.ofSeconds(60), () -> phase("after") != null, "the new active operator reconciling a VM");
    }
}
