package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.CrdFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.Tag;

import java.nio.file.Files;

/** The controller contract on fabric8's mock API server (CRUD mode), which also serves Events. */
@QuarkusTest
@Tag("quarkus")
@WithKubernetesTestServer
class BootcVmControllerTest extends ControllerContract {

    @Override
    protected void installCrd() throws Exception {
        if (client.apiextensions().v1().customResourceDefinitions().withName("bootcvms.bootc.dev").get() == null) {
            CustomResourceDefinition crd = client.getKubernetesSerialization()
                    .unmarshal(Files.readString(CrdFiles.COMMITTED), CustomResourceDefinition.class);
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
    }

    @Override
    protected void afterRunning(BootcVm vm) throws Exception {
        waitFor(() -> client.v1().events().inNamespace(vm.getMetadata().getNamespace()).list().getItems().stream()
                .anyMatch(e -> "Started".equals(e.getReason()) && vm.getMetadata().getName().equals(e.getInvolvedObject().getName())));
    }
}
