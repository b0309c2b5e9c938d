package dev.bootc.pb.kubetest;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed CRD and the validation corpus on the real upstream API server ({@link RealApiServer}),
 * and the printer columns through the real kubectl. Fails (never skips) when the server cannot be
 * built or started.
 */
@Tag("apiserver")
@ExtendWith(RealApiServer.Extension.class)
class RealApiServerTest {
    private static final Path CRD = Path.of("crds/bootcvms.bootc.dev-v1.yml");
    private static final Path CORPUS = Path.of("src/test/resources/corpus");
    private static final String COLLECTION = "/apis/bootc.dev/v1alpha1/namespaces/default/bootcvms";

    /**
     * The field each bad file of the corpus is about: what pb's own validation names in its message
     * (dev.bootc.pb.api.Validation / ResourceYaml), written out here so this test does not depend on pb's model.
     */
    private static final Map<String, String> FIELD = Map.ofEntries(
            Map.entry("cloud-init-both.yaml", "spec.cloudInit"),
            Map.entry("cloud-init-empty.yaml", "spec.cloudInit"),
            Map.entry("cloud-init-relative-path.yaml", "spec.cloudInit.path"),
            Map.entry("cloud-init-secret-and-inline.yaml", "spec.cloudInit"),
            Map.entry("cloud-init-secret-and-path.yaml", "spec.cloudInit"),
            Map.entry("cloud-init-secret-bad-name.yaml", "spec.cloudInit.secretRef.name"),
            Map.entry("cloud-init-secret-no-name.yaml", "spec.cloudInit.secretRef.name"),
            Map.entry("cloud-init-unknown-key.yaml", "spec.cloudInit.userdata"),
            Map.entry("label-key.yaml", "metadata.labels"),
            Map.entry("label-prefix.yaml", "metadata.labels"),
            Map.entry("label-value.yaml", "metadata.labels"),
            Map.entry("cpus-negative.yaml", "spec.resources.cpus"),
            Map.entry("cpus-text.yaml", "spec.resources.cpus"),
            Map.entry("cpus-zero.yaml", "spec.resources.cpus"),
            Map.entry("disk-size-unitless.yaml", "spec.disk.size"),
            Map.entry("filesystem.yaml", "spec.disk.filesystem"),
            Map.entry("disk-format.yaml", "spec.disk.format"),
            Map.entry("firmware.yaml", "spec.firmware"),
            Map.entry("health-command-empty.yaml", "spec.healthCheck.command"),
            Map.entry("health-timeout.yaml", "spec.healthCheck.timeoutSeconds"),
            Map.entry("update-strategy.yaml", "spec.updateStrategy"),
            Map.entry("host-ip.yaml", "spec.ports[0].hostIP"),
            Map.entry("image-metacharacters.yaml", "spec.image"),
            Map.entry("image-missing.yaml", "spec.image"),
            Map.entry("image-too-long.yaml", "spec.image"),
            Map.entry("karg-control-character.yaml", "spec.kernelArgs[0]"),
            Map.entry("karg-space.yaml", "spec.kernelArgs[0]"),
            Map.entry("karg-line-separator.yaml", "spec.kernelArgs[0]"),
            Map.entry("memory-too-small.yaml", "spec.resources.memory"),
            Map.entry("memory-word.yaml", "spec.resources.memory"),
            Map.entry("memory-zero.yaml", "spec.resources.memory"),
            Map.entry("name-leading-dash.yaml", "metadata.name"),
            Map.entry("name-too-long.yaml", "metadata.name"),
            Map.entry("name-underscore.yaml", "metadata.name"),
            Map.entry("network.yaml", "spec.network"),
            Map.entry("network-bridge-unnamed.yaml", "spec"),
            Map.entry("network-name-markup.yaml", "spec.networkName"),
            Map.entry("network-name-without-network.yaml", "spec"),
            Map.entry("port-missing-guest.yaml", "spec.ports[0].guestPort"),
            Map.entry("port-too-high.yaml", "spec.ports[0].hostPort"),
            Map.entry("port-zero.yaml", "spec.ports[0].guestPort"),
            Map.entry("run-strategy.yaml", "spec.runStrategy"),
            Map.entry("ssh-key.yaml", "spec.ssh.authorizedKeys[0]"),
            Map.entry("ssh-user.yaml", "spec.ssh.user"),
            Map.entry("unknown-field.yaml", "spec.resources.memroy"),
            Map.entry("volume-relative-guest.yaml", "spec.volumes[0].guestPath"),
            Map.entry("volume-relative-host.yaml", "spec.volumes[0].hostPath"),
            Map.entry("wrong-api-version.yaml", "apiVersion"),
            Map.entry("wrong-kind.yaml", "kind"));

    /** Where the server's message words a field differently from pb. */
    private static final Map<String, String> SERVER_WORDS = Map.of("apiVersion", "API version");

    private static RealApiServer server;
    private static KubernetesClient client;

    @BeforeAll
    static void applyCommittedCrd(RealApiServer shared, KubernetesClient sharedClient) {
        server = shared;
        client = sharedClient;
        System.err.printf("real API server figures: build step %d ms, ready %d ms, RSS etcd %d MiB + apiserver %d MiB%n",
                server.buildTime().toMillis(), server.readyTime().toMillis(), server.etcdRssMiB(), server.apiserverRssMiB());
        server.applyCommittedCrd();
    }

    @AfterAll
    static void printMemory() {
        if (server == null) return;
        System.err.printf("real API server RSS after the tests: etcd %d MiB + apiserver %d MiB%n",
                server.etcdRssMiB(), server.apiserverRssMiB());
    }

    @Test
    void committedCrdIsStructuralAndServed() {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().withName("bootcvms.bootc.dev").get();
        assertNotNull(crd);
        crd.getStatus().getConditions().forEach(c -> {
            if (c.getType().equals("NonStructuralSchema")) throw new AssertionError("not structural: " + c.getMessage());
        });
        // Discovery as clients see it: the group in /apis (legacy and aggregated), the resource with its short name.
        assertTrue(client.getApiGroups().getGroups().stream().anyMatch(g -> g.getName().equals("bootc.dev")),
                "bootc.dev not in /apis");
        RealApiServer.Result resources = server.kubectl(null, "api-resources", "--api-group=bootc.dev");
        assertEquals(0, resources.exitCode(), resources.output());
        assertTrue(resources.output().contains("bvm"), resources.output());
    }

    @TestFactory
    Stream<DynamicTest> validCorpusIsAccepted() throws Exception {
        return files("valid").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            GenericKubernetesResource r = client.getKubernetesSerialization().unmarshal(Files.readString(f), GenericKubernetesResource.class);
            r.getMetadata().setName("valid-" + r.getMetadata().getName());
            GenericKubernetesResource created = client.resource(r).inNamespace("default").create();
            assertNotNull(created.getMetadata().getUid(), f.toString());
            RealApiServer.Result dryRun = server.kubectl(Files.readString(f), "apply", "--dry-run=server", "-f", "-");
            assertEquals(0, dryRun.exitCode(), "kubectl apply --dry-run=server " + f + ": " + dryRun.output());
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidCorpusIsRejectedNamingTheField() throws Exception {
        List<Path> files = files("invalid");
        assertEquals(new TreeSet<>(FIELD.keySet()), new TreeSet<>(files.stream().map(f -> f.getFileName().toString()).toList()),
                "every bad file of the corpus needs its field in RealApiServerTest.FIELD");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String field = FIELD.get(f.getFileName().toString());
            String yaml = Files.readString(f);
            // Sent as written to the BootcVm collection, so that the server, not a client, judges every field,
            // apiVersion and kind included; with strict field validation, kubectl's default, except for another
            // apiVersion: strict decoding then reports the first field that version's (absent) schema lacks.
            boolean otherVersion = !"bootc.dev/v1alpha1".equals(
                    client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class).getApiVersion());
            HttpResponse<String> response = post(yaml, !otherVersion);
            assertTrue(response.code() >= 400 && response.code() < 500,
                    f + " accepted (HTTP " + response.code() + "): " + response.body());
            String message = client.getKubernetesSerialization().unmarshal(response.body(), io.fabric8.kubernetes.api.model.Status.class)
                    .getMessage();
            String words = SERVER_WORDS.getOrDefault(field, field);
            assertTrue(message.contains(words), f + ": the server's message does not name " + field + ": " + message);
        }));
    }

    @Test
    void kubectlGetPrintsThePrinterColumns() {
        String vm = """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata:
                  name: columns
                spec:
                  image: quay.io/fedora/fedora-bootc:42
                  nodeName: host-a
                """;
        RealApiServer.Result apply = server.kubectl(vm, "apply", "-f", "-");
        assertEquals(0, apply.exitCode(), apply.output());
        RealApiServer.Result status = server.kubectl(null, "patch", "bvm", "columns", "--subresource=status", "--type=merge", "-p",
                "{\"status\":{\"phase\":\"Running\",\"imageDigest\":\"sha256:1f2e\",\"sshPort\":2222,\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
        assertEquals(0, status.exitCode(), status.output());

        RealApiServer.Result get = server.kubectl(null, "get", "bvm", "columns");
        assertEquals(0, get.exitCode(), get.output());
        List<String> lines = get.output().lines().toList();
        assertEquals(2, lines.size(), get.output());
        assertEquals(List.of("NAME", "IMAGE", "BOOTED", "PHASE", "READY", "SSH", "NODE", "AGE"), Arrays.asList(lines.get(0).trim().split("\\s+")),
                get.output());
        List<String> row = Arrays.asList(lines.get(1).trim().split("\\s+"));
        assertEquals(List.of("columns", "quay.io/fedora/fedora-bootc:42", "sha256:1f2e", "Running", "True", "2222", "host-a"), row.subList(0, 7),
                get.output());
        assertTrue(row.get(7).matches("\\d+s"), "AGE: " + get.output());
    }

    private static HttpResponse<String> post(String yaml, boolean strict) throws Exception {
        var http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder()
                .uri(server.baseUrl() + COLLECTION + (strict ? "?fieldValidation=Strict" : ""))
                .post("application/yaml", yaml)
                .build();
        return http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    }

    private static List<Path> files(String folder) throws Exception {
        try (var s = Files.list(CORPUS.resolve(folder))) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertFalse(l.isEmpty());
            return l;
        }
    }
}
