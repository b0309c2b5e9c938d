package dev.bootc.pb.driver.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.store.kube.KubeBootcVm;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Least privilege, checked: every request the operator made during the contract's lifecycles and
 * one of its own (a VM with no node claimed, run, stopped, deleted), as the mock server saw them,
 * mapped to (group, resource, verb), is exactly what deploy/'s ClusterRole grants: a missing rule and
 * an unused rule both fail. Requests every authenticated user may make (access reviews) are left out.
 */
@QuarkusTest
@Tag("quarkus")
@WithKubernetesTestServer
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorRbacTest extends MockServerControllerContract {
    static final Path CLUSTER_ROLE = Path.of("deploy", "rbac.yaml");
    static final Pattern PATH = Pattern.compile("^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/[^/]+)?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");

    @Test
    @Order(Integer.MAX_VALUE)
    void theClusterRoleGrantsExactlyWhatTheOperatorUses() throws Exception {
        try (NodeClaims claims = new NodeClaims(client, world.domains, "node-a")) {
            claims.start();
            BootcVm free = new BootcVm("team-rbac", "free", new BootcVmSpec("localhost/pb-fixture:latest"));
            testClient().resources(KubeBootcVm.class).inNamespace("team-rbac").resource(new KubeVmStore(testClient(), false).toKube(free)).create();
            waitFor(() -> phase("team-rbac", "free") == Phase.Running);
            BootcVm running = KubeVmStore.toModel(testClient().resources(KubeBootcVm.class).inNamespace("team-rbac").withName("free").get());
            running.getSpec().setRunStrategy(RunStrategy.Halted);
            testClient().resources(KubeBootcVm.class).inNamespace("team-rbac").resource(new KubeVmStore(testClient(), false).toKube(running)).update();
            waitFor(() -> phase("team-rbac", "free") == Phase.Stopped);
            testClient().resources(KubeBootcVm.class).inNamespace("team-rbac").withName("free").delete();
            waitFor(() -> testClient().resources(KubeBootcVm.class).inNamespace("team-rbac").withName("free").get() == null);
        }
        Set<String> used = new TreeSet<>();
        RecordedRequest r;
        while ((r = mockServer.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            String agent = r.getHeader("User-Agent");
            if (agent != null && agent.startsWith(TEST_AGENT)) continue;
            if (r.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
                // the Operator SDK asks before it leads whether it may create, update and get the Lease
                used.addAll(Set.of("coordination.k8s.io/leases/create", "coordination.k8s.io/leases/update", "coordination.k8s.io/leases/get"));
            }
            String rule = rule(r.getMethod(), r.getPath());
            if (rule != null) used.add(rule);
        }
        assertEquals(granted(), used, "deploy's ClusterRole must grant exactly what the operator uses (group/resource/verb)");
    }

    private Phase phase(String ns, String name) {
        KubeBootcVm r = testClient().resources(KubeBootcVm.class).inNamespace(ns).withName(name).get();
        BootcVm vm = KubeVmStore.toModel(r);
        return vm == null || vm.getStatus() == null ? null : vm.getStatus().getPhase();
    }

    /** "group/resource/verb" of one request; null for what every authenticated user may do. */
    static String rule(String method, String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) throw new AssertionError("unexpected request path " + path);
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(2);
        String name = m.group(3);
        String sub = m.group(4);
        String query = m.group(5) == null ? "" : m.group(5);
        if (group.equals("authorization.k8s.io")) return null;
        if (group.equals("apiextensions.k8s.io") && resource.equals("customresourcedefinitions") && method.equals("GET")) return null;
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : query.contains("watch=true") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method);
        };
        return group + "/" + resource + (sub != null ? "/" + sub : "") + "/" + verb;
    }

    /** Every "group/resource/verb" the committed ClusterRole pb-operator grants. */
    static Set<String> granted() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Set<String> out = new TreeSet<>();
        for (JsonNode doc : yaml.readValues(yaml.getFactory().createParser(Files.readString(CLUSTER_ROLE)), JsonNode.class).readAll()) {
            if (!"ClusterRole".equals(doc.path("kind").asText()) || !"pb-operator".equals(doc.at("/metadata/name").asText())) continue;
            for (JsonNode rule : doc.path("rules")) {
                for (JsonNode g : rule.path("apiGroups")) for (JsonNode res : rule.path("resources")) for (JsonNode v : rule.path("verbs")) {
                    out.add(g.asText() + "/" + res.asText() + "/" + v.asText());
                }
            }
        }
        if (out.isEmpty()) throw new AssertionError("no ClusterRole pb-operator in " + CLUSTER_ROLE);
        return out;
    }
}
