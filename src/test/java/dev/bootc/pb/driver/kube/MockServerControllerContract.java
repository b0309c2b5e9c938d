package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.CrdFiles;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.store.kube.KubeBootcVm;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The controller contract on fabric8's mock API server (CRUD mode), which also serves Events,
 * Leases and Secrets. Abstract: a Quarkus test class is a bean, and one test class extending another
 * would make two beans of one type.
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

    /**
     * spec.cloudInit.secretRef, as a tenant uses it: the VM waits (a retried condition naming the Secret and
     * its key) until the Secret exists in its namespace, then boots with the Secret's user-data and
     * network-config in a seed only its owner may read. (The real API server of the kubetest harness has
     * no core API, so no Secrets: this is tested here.)
     */
    @Test
    void cloudInitFromASecretWaitsForTheSecretThenSeedsTheVm() throws Exception {
        KubeBootcVm r = vm("team-s", "web", "node-a");
        BootcVm model = KubeVmStore.toModel(r);
        model.getSpec().setCloudInit(CloudInitSpec.ofSecret("web-ci"));
        testClient().resources(KubeBootcVm.class).inNamespace("team-s").resource(new KubeVmStore(testClient(), false).toKube(model)).create();
        waitFor(() -> {
            BootcVm v = get("team-s", "web");
            return v != null && v.getStatus() != null && v.getStatus().condition(Conditions.READY)
                    .filter(c -> "SecretNotFound".equals(c.getReason())).isPresent();
        });
        String message = get("team-s", "web").getStatus().condition(Conditions.READY).orElseThrow().getMessage();
        assertTrue(message.contains("Secret team-s/web-ci") && message.contains("userdata"), message);
        Path iso = root.layout().cloudInitSeed(VmKey.of(model));
        assertFalse(Files.exists(iso), "no seed without its data");

        testClient().secrets().inNamespace("team-s").resource(new SecretBuilder().withNewMetadata().withName("web-ci").endMetadata()
                .addToData("userdata", base64("#cloud-config\nhostname: from-secret\n"))
                .addToData("networkdata", base64("version: 2\n")).build()).create();
        waitFor(() -> {
            BootcVm v = get("team-s", "web");
            return v != null && v.getStatus() != null && v.getStatus().getPhase() == Phase.Running;
        });
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(iso)));
        assertEquals("#cloud-config\nhostname: from-secret\n", isoFile(iso, "user-data"));
        assertEquals("version: 2\n", isoFile(iso, "network-config"));
        testClient().resources(KubeBootcVm.class).inNamespace("team-s").withName("web").delete();
        waitFor(() -> get("team-s", "web") == null);
        assertFalse(Files.exists(iso), "deleting the VM removed its seed");
    }

    /** A tenant's cloud-init folder outside what the node's admin allows (here: nothing) is refused for good, nothing made. */
    @Test
    void aTenantsCloudInitFolderIsRefusedOutsideTheAllowedFolders() throws Exception {
        BootcVm model = KubeVmStore.toModel(vm("team-p", "web", "node-a"));
        model.getSpec().setCloudInit(CloudInitSpec.ofPath("/etc"));
        testClient().resources(KubeBootcVm.class).inNamespace("team-p").resource(new KubeVmStore(testClient(), false).toKube(model)).create();
        waitFor(() -> {
            BootcVm v = get("team-p", "web");
            return v != null && v.getStatus() != null && v.getStatus().getPhase() == Phase.Failed;
        });
        var ready = get("team-p", "web").getStatus().condition(Conditions.READY).orElseThrow();
        assertEquals("HostPathNotAllowed", ready.getReason());
        assertTrue(ready.getMessage().startsWith("spec.cloudInit.path: invalid value \"/etc\""), ready.getMessage());
        assertFalse(Files.exists(world.layout.cloudInitSeed(VmKey.of(model))), "no seed");
        assertFalse(Files.exists(world.layout.overlay(VmKey.of(model))), "no disk");
        testClient().resources(KubeBootcVm.class).inNamespace("team-p").withName("web").delete();
        waitFor(() -> get("team-p", "web") == null);
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String isoFile(Path iso, String name) {
        return ProcessRunner.local().run(Command.of("isoinfo", "-R", "-i", iso.toString(), "-x", "/" + name))
                .orThrow(dev.bootc.pb.api.Failure.Failed, "isoinfo").stdout();
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
