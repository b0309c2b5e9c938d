package dev.bootc.pb.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.cli.CliRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pb --store kube} as a person types it (in-process, a real composition root) against the real upstream API server. */
@Tag("apiserver")
class KubeCliRealServerTest {
    static RealApiServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void server() {
        server = RealApiServer.shared();
        server.applyCommittedCrd();
    }

    CliRunner cli() {
        return new CliRunner(dir.resolve("store"), Map.of("PB_STORE", "kube", "KUBECONFIG", server.kubeconfig().toString(), "NODE_NAME", "node-k"));
    }

    @Test
    void applyGetListInspectAndRmOnTheCluster() throws Exception {
        Path file = dir.resolve("vm.yaml");
        Files.writeString(file, """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata:
                  name: kube-cli
                spec:
                  image: localhost/pb-fixture:latest
                  runStrategy: Halted
                """);
        CliRunner cli = cli();
        CliRunner.Result applied = cli.run("-n", "kcli", "apply", "-f", file.toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertEquals("bootcvm.bootc.dev/kube-cli created\n", applied.out());
        assertEquals("bootcvm.bootc.dev/kube-cli unchanged\n", cli.run("-n", "kcli", "apply", "-f", file.toString()).out());

        JsonNode got = new ObjectMapper().readTree(cli.run("-n", "kcli", "get", "kube-cli", "-o", "json").out());
        assertEquals("node-k", got.at("/spec/nodeName").asText(), "pb names this node");
        assertEquals("node-k", got.at("/metadata/labels/bootc.dev~1node").asText(), "and labels it so that node's operator sees it");
        assertEquals(1, got.at("/metadata/generation").asInt(), "the server's generation");
        assertTrue(server.kubectl(null, "get", "bvm", "-n", "kcli", "kube-cli").output().contains("kube-cli"));

        CliRunner.Result list = cli.run("-n", "kcli", "list");
        assertEquals(0, list.exit(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("kube-cli")), list.out());
        assertEquals(0, cli.run("-n", "kcli", "inspect", "kube-cli").exit());

        CliRunner.Result rm = cli.run("-n", "kcli", "rm", "kube-cli");
        assertEquals(0, rm.exit(), rm.toString());
        assertEquals(3, cli.run("-n", "kcli", "get", "kube-cli").exit());
    }

    @Test
    void whatTheServerRefusesIsOneLineAndWritesNothing() throws Exception {
        Path file = dir.resolve("bad.yaml");
        // pb's own validation and the CRD's schema agree; this one is caught by pb before it is sent
        Files.writeString(file, "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n  name: bad\nspec:\n  image: a\n  resources:\n    cpus: 0\n");
        CliRunner.Result r = cli().run("-n", "kcli-bad", "apply", "-f", file.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("spec.resources.cpus"), r.err());
        assertEquals("", server.kubectl(null, "get", "bvm", "-n", "kcli-bad", "-o", "name").output().strip());
    }

    @Test
    void aMissingCrdOrServerIsOneLine() {
        CliRunner.Result r = new CliRunner(dir.resolve("store"), Map.of("PB_STORE", "kube", "KUBECONFIG", dir.resolve("none").toString()))
                .run("list");
        assertTrue(r.exit() != 0, r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
