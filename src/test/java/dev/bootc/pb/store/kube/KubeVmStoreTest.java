package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.CrdFiles;
import dev.bootc.pb.store.VmStoreContract;

import dev.bootc.pb.store.VmStore;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

import java.nio.file.Files;

/** The store contract on a Kubernetes API server (fabric8's mock server in CRUD mode) with the committed CRD. */
@QuarkusTest
@org.junit.jupiter.api.Tag("quarkus")
@WithKubernetesTestServer
class KubeVmStoreTest extends VmStoreContract {
    @Inject
    KubernetesClient client;
    KubeVmStore store;
    String namespace;

    @BeforeEach
    void open(TestInfo info) throws Exception {
        if (client.apiextensions().v1().customResourceDefinitions().withName("bootcvms.bootc.dev").get() == null) {
            CustomResourceDefinition crd = client.getKubernetesSerialization()
                    .unmarshal(Files.readString(CrdFiles.COMMITTED), CustomResourceDefinition.class);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
        store = new KubeVmStore(client, false);
        namespace = "ns-" + info.getTestMethod().orElseThrow().getName().toLowerCase().replaceAll("[^a-z0-9]", "").substring(0, 20);
    }

    @Override
    protected VmStore store() {
        return store;
    }

    @Override
    protected String namespace() {
        return namespace;
    }
}
