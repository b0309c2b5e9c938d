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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Least privilege, checked: every request the operator made during the contract's lifecycles and
 * one of its own (a VM with no node claimed, run, stopped, deleted), as the mock server saw them,
 * mapped to (group, resource, verb) and where it was made, is exactly what deploy/rbac.yaml grants the
 * pb-operator service account: a rule used in other namespaces in its ClusterRole, a rule used only in the
 * operator's own namespace (the node Leases) in its Role there. A missing rule, an unused rule and a rule
 * granted cluster-wide that only the operator's namespace needs all fail. Requests every authenticated
 * user may make (access reviews) are left out.
 */
@QuarkusTest
@Tag("quarkus")
@WithKubernetesTestServer
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorRbacTest extends MockServerControllerContract {
    static final Path RBAC = Path.of("deploy", "rbac.yaml");
    static final Pattern PATH = Pattern.compile("^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");
    /** Where a rule is needed: in the operator's own namespace only (a Role there), or elsewhere too (a ClusterRole). */
    static final String OWN = " in the operator's namespace", ANY = " in any namespace";

    @Test
    @Order(Integer.MAX_VALUE)
    void deploysRbacGrantsExactlyWhatTheOperatorUsesWhereItUsesIt() throws Exception {
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
        // the operator's own namespace: its client's, where the Leases go (pb-system, the service account's, in deploy/)
        String own = client.getNamespace() == null ? "default" : client.getNamespace();
        java.util.Map<String, String> used = new java.util.TreeMap<>();
        RecordedRequest r;
        while ((r = mockServer.getKubernetesMockServer().takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            String agent = r.getHeader("User-Agent");
            if (agent != null && agent.startsWith(TEST_AGENT)) continue;
            if (r.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
                // the Operator SDK asks before it leads whether it may create, update and get the Lease (in its namespace)
                for (String v : new String[] {"create", "update", "get"}) used.putIfAbsent("coordination.k8s.io/leases/" + v, OWN);
            }
            String rule = rule(r.getMethod(), r.getPath());
            if (rule == null) continue;
            // a rule used anywhere but the operator's namespace must be cluster-wide; else the Role there is enough
            if (!own.equals(namespace(r.getPath()))) used.put(rule, ANY);
            else used.putIfAbsent(rule, OWN);
        }
        Set<String> needed = new TreeSet<>();
        used.forEach((rule, where) -> needed.add(rule + where));
        assertEquals(granted(), needed, "deploy/rbac.yaml must grant exactly what the operator uses (group/resource/verb), "
                + "cluster-wide only what it uses outside its own namespace");
    }

    /** The namespace a request was made in, or null for a cluster-wide one (a watch of every namespace). */
    static String namespace(String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) throw new AssertionError("unexpected request path " + path);
        return m.group(2);
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
        String resource = m.group(3);
        String name = m.group(4);
        String sub = m.group(5);
        String query = m.group(6) == null ? "" : m.group(6);
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

    /**
     * Every "group/resource/verb" and where the committed deploy/rbac.yaml grants the service account pb-operator: the
     * rules of the ClusterRole pb-operator, bound by a ClusterRoleBinding, in any namespace; those of the Role pb-operator,
     * bound by a RoleBinding in the service account's namespace, there only. A role nothing binds to it grants nothing.
     */
    static Set<String> granted() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<JsonNode> docs = yaml.readValues(yaml.getFactory().createParser(Files.readString(RBAC)), JsonNode.class).readAll();
        String saNamespace = docs.stream().filter(d -> "ServiceAccount".equals(d.path("kind").asText()) && "pb-operator".equals(d.at("/metadata/name").asText()))
                .map(d -> d.at("/metadata/namespace").asText()).findFirst().orElseThrow(() -> new AssertionError("no ServiceAccount pb-operator in " + RBAC));
        Set<String> out = new TreeSet<>();
        for (JsonNode doc : docs) {
            String kind = doc.path("kind").asText();
            if (!"pb-operator".equals(doc.at("/metadata/name").asText())) continue;
            String where;
            if (kind.equals("ClusterRole") && bound(docs, "ClusterRoleBinding", "ClusterRole", null, saNamespace)) {
                where = ANY;
            } else if (kind.equals("Role") && saNamespace.equals(doc.at("/metadata/namespace").asText())
                    && bound(docs, "RoleBinding", "Role", saNamespace, saNamespace)) {
                where = OWN;
            } else {
                continue;
            }
            for (JsonNode rule : doc.path("rules")) {
                for (JsonNode g : rule.path("apiGroups")) for (JsonNode res : rule.path("resources")) for (JsonNode v : rule.path("verbs")) {
                    out.add(g.asText() + "/" + res.asText() + "/" + v.asText() + where);
                }
            }
        }
        if (out.isEmpty()) throw new AssertionError("no bound ClusterRole or Role pb-operator in " + RBAC);
        return out;
    }

    /** Whether a binding of this kind (in {@code namespace}, or cluster-wide when null) gives role pb-operator to the service account. */
    static boolean bound(List<JsonNode> docs, String bindingKind, String roleKind, String namespace, String saNamespace) {
        return docs.stream().anyMatch(d -> bindingKind.equals(d.path("kind").asText())
                && (namespace == null || namespace.equals(d.at("/metadata/namespace").asText()))
                && roleKind.equals(d.at("/roleRef/kind").asText()) && "pb-operator".equals(d.at("/roleRef/name").asText())
                && java.util.stream.StreamSupport.stream(d.path("subjects").spliterator(), false).anyMatch(s -> "ServiceAccount".equals(s.path("kind").asText())
                        && "pb-operator".equals(s.path("name").asText()) && saNamespace.equals(s.path("namespace").asText())));
    }
}
