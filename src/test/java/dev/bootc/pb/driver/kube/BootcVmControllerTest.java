package dev.bootc.pb.driver.kube;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.Tag;

/** The controller contract on fabric8's mock API server (CRUD mode). */
@QuarkusTest
@Tag("quarkus")
@WithKubernetesTestServer
class BootcVmControllerTest extends MockServerControllerContract {
}
