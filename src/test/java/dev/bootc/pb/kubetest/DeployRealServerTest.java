package dev.bootc.pb.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/ as a Kustomize base, built by the real kubectl, and what of it the real apiextensions server
 * can judge (the CRD, by a server-side dry run). It serves no core or apps API, so the Namespace,
 * RBAC and DaemonSet are checked for what pb relies on, not by a server.
 */
@Tag("apiserver")
class DeployRealServerTest {

    @Test
    void theKustomizationBuildsTheNamespaceCrdRbacAndDaemonSet() throws Exception {
        RealApiServer server = RealApiServer.shared();
        RealApiServer.Result built = server.kubectl(null, "kustomize", Path.of("deploy").toAbsolutePath().toString());
        assertEquals(0, built.exitCode(), built.output());
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<JsonNode> docs = new ArrayList<>(yaml.readValues(yaml.getFactory().createParser(built.output()), JsonNode.class).readAll());
        List<String> kinds = docs.stream().map(d -> d.path("kind").asText() + "/" + d.at("/metadata/name").asText()).sorted().toList();
        assertEquals(List.of("ClusterRole/pb-operator", "ClusterRoleBinding/pb-operator", "CustomResourceDefinition/bootcvms.bootc.dev",
                "DaemonSet/pb-operator", "Namespace/pb-system", "Role/pb-operator", "RoleBinding/pb-operator", "ServiceAccount/pb-operator"), kinds);
        // the Lease rule is the namespaced Role's, in the operator's namespace (OperatorRbacTest checks the rules themselves)
        assertTrue(docs.stream().anyMatch(d -> d.path("kind").asText().equals("Role") && d.at("/metadata/namespace").asText().equals("pb-system")
                && d.toString().contains("leases")), "a Role in pb-system grants the Leases");
        assertTrue(docs.stream().noneMatch(d -> d.path("kind").asText().equals("ClusterRole") && d.toString().contains("leases")), "no Lease cluster-wide");

        JsonNode ds = docs.stream().filter(d -> d.path("kind").asText().equals("DaemonSet")).findFirst().orElseThrow();
        JsonNode pod = ds.at("/spec/template/spec");
        assertEquals("pb-operator", pod.path("serviceAccountName").asText());
        JsonNode container = pod.at("/containers/0");
        assertTrue(container.at("/securityContext/privileged").asBoolean());
        assertTrue(container.toString().contains("\"fieldPath\":\"spec.nodeName\""), "NODE_NAME from the downward API");
        assertEquals(List.of("operator", "--store", "kube"), yaml.convertValue(container.path("args"), List.class));
        List<String> hostPaths = new ArrayList<>();
        pod.path("volumes").forEach(v -> hostPaths.add(v.at("/hostPath/path").asText()));
        assertTrue(hostPaths.containsAll(List.of("/var/run/libvirt", "/var/lib/libvirt/images", "/var/lib/containers", "/var/lib/pb")), hostPaths.toString());

        JsonNode crd = docs.stream().filter(d -> d.path("kind").asText().equals("CustomResourceDefinition")).findFirst().orElseThrow();
        Path crdFile = Files.createTempFile("pb-crd", ".json");
        Files.writeString(crdFile, crd.toString());
        RealApiServer.Result dry = server.kubectl(null, "apply", "--dry-run=server", "-f", crdFile.toString());
        assertEquals(0, dry.exitCode(), "the CRD of deploy/ on the real server: " + dry.output());
    }
}
