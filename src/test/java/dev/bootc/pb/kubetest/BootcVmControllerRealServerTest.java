package dev.bootc.pb.kubetest;

import dev.bootc.pb.driver.kube.ControllerContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Tag;

/**
 * The controller contract on the real upstream API server: schema, status subresource, finalizers,
 * label selectors and watches as a cluster enforces them. It serves no core API, so no Events here.
 */
@QuarkusTest
@Tag("quarkus")
@QuarkusTestResource(value = RealApiServerResource.class, restrictToAnnotatedClass = true)
class BootcVmControllerRealServerTest extends ControllerContract {
    /** The apiextensions server serves no coordination or authorization API: leader election is tried on the mock server. */
    @Override
    protected boolean leaderElection() {
        return false;
    }

    @Override
    protected void installCrd() {
        // RealApiServerResource applied the committed CRD
    }
}
