package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.CrdFiles;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

/**
 * The controller contract on fabric8's mock API server (CRUD mode), which also serves Events and
 * Leases. Abstract: a Quarkus test class is a bean, and one test class extending another would make
 * two beans of one type.
 */
public abstract class MockServerControllerContract extends ControllerContract {
    @KubernetesTestServer
    protected KubernetesServer mockServer;

    @Override
    protected boolean leaderElection() {
        return true;
    }

    /** The access review the Operator SDK asks before it takes the node's Lease (the mock server has no authorization API). */
    @Override
    protected void beforeStart() {
        mockServer.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
                        .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update")
                        .endResourceRule().withIncomplete(false).endStatus().build()).always();
    }

    @Test
    void theNodesLeaseIsHeld() throws Exception {
        waitFor(() -> testClient().leases().inNamespace(client.getNamespace() == null ? "default" : client.getNamespace())
                .withName("pb-operator-node-a").get() != null);
    }

    @Override
    protected void installCrd() throws Exception {
        if (testClient().apiextensions().v1().customResourceDefinitions().withName("bootcvms.bootc.dev").get() == null) {
            CustomResourceDefinition crd = testClient().getKubernetesSerialization()
                    .unmarshal(Files.readString(CrdFiles.COMMITTED), CustomResourceDefinition.class);
            testClient().apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
    }

    @Override
    protected void afterRunning(BootcVm vm) throws Exception {
        waitFor(() -> testClient().v1().events().inNamespace(vm.getMetadata().getNamespace()).list().getItems().stream()
                .anyMatch(e -> "Started".equals(e.getReason()) && vm.getMetadata().getName().equals(e.getInvolvedObject().getName())));
    }
}
