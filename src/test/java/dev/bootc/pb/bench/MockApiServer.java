package dev.bootc.pb.bench;

import dev.bootc.pb.api.BootcVm;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

/**
 * fabric8's mock Kubernetes API server in CRUD mode, with the BootcVm CRD from crds/ created in it, in
 * a JVM of its own so that the operator's memory is measured apart from the server's. Prints
 * {@code url=http://127.0.0.1:PORT} on stdout once it serves, then runs until killed.
 *
 * <p>Usage: {@code MockApiServer [CRD-FILE]} (default crds/bootcvms.bootc.dev-v1.yml).
 */
public final class MockApiServer {
    private MockApiServer() {
    }

    public static void main(String[] args) throws Exception {
        Bench.quietLogging();
        Path crdFile = Path.of(args.length > 0 ? args[0] : "crds/bootcvms.bootc.dev-v1.yml");
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        try (KubernetesClient client = server.createClient()) {
            CustomResourceDefinition crd = client.getKubernetesSerialization()
                    .unmarshal(Files.readString(crdFile), CustomResourceDefinition.class);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        System.out.println("url=http://127.0.0.1:" + server.getPort());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
        Thread.currentThread().join();
    }
}
