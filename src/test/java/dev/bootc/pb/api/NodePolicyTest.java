package dev.bootc.pb.api;

import dev.bootc.pb.boot.Config;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a BootcVm may have of its host: everything on the owner's file store, only the admin's lists for tenants. */
class NodePolicyTest {
    final NodePolicy tenants = NodePolicy.tenants(List.of("quay.io/fedora/", "registry.example.com/os"), List.of(Path.of("/srv/shares")),
            List.of("192.0.2.10"));

    @Test
    void theOwnerGetsWhatTheyName() {
        NodePolicy owner = NodePolicy.owner();
        assertTrue(owner.trustsImage("evil.example/root-me"));
        BootcVmSpec spec = new BootcVmSpec("x");
        spec.setVolumes(List.of(new VolumeMount("/", "/mnt/host", false)));
        owner.check(spec);
    }

    @Test
    void tenantsImagesAreTrustedOnlyByPrefixAtAComponentBoundary() {
        assertTrue(tenants.trustsImage("quay.io/fedora/fedora-bootc:42"));
        assertTrue(tenants.trustsImage("registry.example.com/os:1"));
        assertTrue(tenants.trustsImage("registry.example.com/os/derived@sha256:" + "a".repeat(64)));
        assertFalse(tenants.trustsImage("registry.example.com/osevil/x"), "a prefix is not a string prefix");
        assertFalse(tenants.trustsImage("localhost/pb-fixture:latest"));
        assertFalse(NodePolicy.tenants(List.of(), List.of(), List.of()).trustsImage("quay.io/fedora/fedora-bootc:42"), "none by default");
    }

    @Test
    void tenantsHostPathsOnlyUnderAnAllowedFolderAfterNormalising() {
        assertTrue(tenants.hostPathProblem("f", "/srv/shares/team-a").isEmpty());
        assertEquals("spec.volumes[0].hostPath: invalid value \"/srv/shares/../../etc\": must lie under a folder this node's admin allows: /srv/shares",
                tenants.hostPathProblem("spec.volumes[0].hostPath", "/srv/shares/../../etc").orElseThrow().toString());
        assertTrue(tenants.hostPathProblem("f", "/srv/sharesevil").isPresent());
        BootcVmSpec spec = new BootcVmSpec("x");
        spec.setVolumes(List.of(new VolumeMount("/", "/mnt/host", false)));
        PbException e = assertThrows(PbException.class, () -> NodePolicy.tenants(List.of(), List.of(), List.of()).check(spec));
        assertEquals(Failure.HostPathNotAllowed, e.failure());
        assertEquals("spec.volumes[0].hostPath: invalid value \"/\": this node shares no host folder with BootcVms (its admin allows none)",
                e.getMessage());
        BootcVmSpec ci = new BootcVmSpec("x");
        ci.setCloudInit(new CloudInitSpec());
        ci.getCloudInit().setPath("/etc");
        assertEquals(Failure.HostPathNotAllowed, assertThrows(PbException.class, () -> tenants.check(ci)).failure());
    }

    @Test
    void aTenantsCloudInitFolderOnlyUnderAnAllowedFolderAndASecretNeedsNone() {
        BootcVmSpec ci = new BootcVmSpec("x");
        ci.setCloudInit(CloudInitSpec.ofPath("/srv/shares/team-a/ci"));
        tenants.check(ci);
        ci.getCloudInit().setPath("/srv/shares/../../root/ci");
        PbException e = assertThrows(PbException.class, () -> tenants.check(ci));
        assertEquals(Failure.HostPathNotAllowed, e.failure());
        assertEquals("spec.cloudInit.path: invalid value \"/srv/shares/../../root/ci\": must lie under a folder this node's admin allows: /srv/shares",
                e.getMessage());
        ci.getCloudInit().setPath("/home/alice/ci");
        assertEquals("spec.cloudInit.path: invalid value \"/home/alice/ci\": this node shares no host folder with BootcVms (its admin allows none)",
                assertThrows(PbException.class, () -> NodePolicy.tenants(List.of(), List.of(), List.of()).check(ci)).getMessage());
        BootcVmSpec secret = new BootcVmSpec("x");
        secret.setCloudInit(CloudInitSpec.ofSecret("web-ci"));
        NodePolicy.tenants(List.of(), List.of(), List.of()).check(secret);
    }

    @Test
    void tenantsPortsBindLoopbackOrAnAllowedAddress() {
        BootcVmSpec spec = new BootcVmSpec("x");
        PortForward p = new PortForward(8080, 80);
        spec.setPorts(List.of(p));
        tenants.check(spec);
        p.setHostIP("192.0.2.10");
        tenants.check(spec);
        p.setHostIP("0.0.0.0");
        PbException e = assertThrows(PbException.class, () -> tenants.check(spec));
        assertEquals(Failure.HostAddressNotAllowed, e.failure());
        assertTrue(e.getMessage().startsWith("spec.ports[0].hostIP: invalid value \"0.0.0.0\""), e.getMessage());
    }

    @Test
    void theAdminsListsComeFromTheEnvironmentOnlyForTheKubeStoreAndAreChecked() {
        Map<String, String> env = Map.of("PB_STORE", "kube", "PB_TRUSTED_IMAGES", "quay.io/fedora/, quay.io/centos-bootc/",
                "PB_ALLOWED_HOST_PATHS", "/srv/shares", "PB_ALLOWED_HOST_ADDRESSES", "192.0.2.10", "PB_LIBVIRT_URI", "test:///default",
                "PB_ALLOWED_NETWORKS", "libvirt=default,bridge=br-lab");
        Config c = Config.load(env, "root", Path.of("/root"), Config.Options.none());
        assertEquals(NodePolicy.tenants(List.of("quay.io/fedora/", "quay.io/centos-bootc/"), List.of(Path.of("/srv/shares")), List.of("192.0.2.10"),
                List.of("libvirt=default", "bridge=br-lab")), c.policy());
        assertEquals("PB_ALLOWED_NETWORKS: invalid value \"default\": give bridge=NAME or libvirt=NAME, like libvirt=default",
                assertThrows(PbException.class, () -> Config.load(Map.of("PB_STORE", "kube", "PB_ALLOWED_NETWORKS", "default"), "root",
                        Path.of("/root"), Config.Options.none())).getMessage());
        Config file = Config.load(Map.of("PB_TRUSTED_IMAGES", "x/"), "root", Path.of("/root"), Config.Options.none());
        assertFalse(file.policy().tenants(), "the file store is the host's own user's");
        PbException root = assertThrows(PbException.class, () -> Config.load(Map.of("PB_STORE", "kube", "PB_ALLOWED_HOST_PATHS", "/"), "root",
                Path.of("/root"), Config.Options.none()));
        assertEquals("PB_ALLOWED_HOST_PATHS: invalid value \"/\": give an absolute folder other than /, like /srv/vm-shares", root.getMessage());
        assertEquals(Failure.InvalidConfig, assertThrows(PbException.class, () -> Config.load(Map.of("PB_STORE", "kube",
                "PB_ALLOWED_HOST_ADDRESSES", "0.0.0.0/0"), "root", Path.of("/root"), Config.Options.none())).failure());
        Config more = c.withPolicy(List.of("localhost/"), List.of(Path.of("/var/lib/shares")), List.of());
        assertTrue(more.policy().trustsImage("localhost/pb-fixture:latest"));
        assertTrue(more.policy().trustsImage("quay.io/fedora/fedora-bootc:42"));
    }
}
