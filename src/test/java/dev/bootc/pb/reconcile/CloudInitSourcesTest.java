package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Secrets;
import dev.bootc.pb.testing.FakeWorld;
import dev.bootc.pb.testing.TestClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a VM's cloud-init data comes from (a Secret of its namespace, a host folder), and that all of it
 * is read, or refused, before anything is made for the VM: no pull, no disk, no seed, no domain.
 */
class CloudInitSourcesTest {
    static final Path ISO = Path.of("/images/vms/team-a_web_cidata.iso");
    static final String META = "instance-id: pb-uid-1\nlocal-hostname: web\n";
    final FakeWorld world = new FakeWorld();
    final TestClock clock = new TestClock();
    final VmLayout layout = new VmLayout(Path.of("/data"), Path.of("/images"));
    /** The namespace's Secrets: "namespace/name" to data. */
    final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    final Secrets cluster = (namespace, name) -> Optional.ofNullable(secrets.get(namespace + "/" + name));

    VmReconciler reconciler(Secrets s) {
        return new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), clock, NodePolicy.owner(), s);
    }

    static BootcVm vm(CloudInitSpec ci) {
        BootcVm vm = new BootcVm("team-a", "web", new BootcVmSpec("localhost/pb-fixture:latest"));
        vm.getMetadata().setUid("uid-1");
        vm.getMetadata().setGeneration(1L);
        vm.getSpec().setCloudInit(ci);
        return vm;
    }

    private Outcome pass(VmReconciler r, BootcVm vm) {
        Outcome o = r.reconcile(vm, Progress.none());
        vm.setStatus(o.status());
        return o;
    }

    private static Condition ready(BootcVm vm) {
        return vm.getStatus().condition(Conditions.READY).orElseThrow();
    }

    @Test
    void aSecretsUserdataAndNetworkdataBecomeTheSeedWithTheVmsMetaData() {
        secrets.put("team-a/web-ci", Map.of("userdata", "#cloud-config\nhostname: from-secret\n", "networkdata", "version: 2\n",
                "unrelated", "not in the seed"));
        world.ssh.ready = true;
        pass(reconciler(cluster), vm(CloudInitSpec.ofSecret("web-ci")));
        assertEquals(Map.of("user-data", "#cloud-config\nhostname: from-secret\n", "network-config", "version: 2\n", "meta-data", META),
                world.disks.seeds.get(ISO));
        assertEquals(ISO, world.domains.specs.get("team-a_web").cloudInitSeed().iso());
    }

    @Test
    void kubeVirtsCamelCaseKeysAreTakenToo() {
        secrets.put("team-a/web-ci", Map.of("userData", "#cloud-config\n", "networkData", "version: 1\n"));
        pass(reconciler(cluster), vm(CloudInitSpec.ofSecret("web-ci")));
        assertEquals(Map.of("user-data", "#cloud-config\n", "network-config", "version: 1\n", "meta-data", META), world.disks.seeds.get(ISO));
    }

    @Test
    void aMissingSecretIsARetriedConditionNamingItAndItsKeyAndNothingIsMadeUntilItComes() {
        VmReconciler r = reconciler(cluster);
        BootcVm vm = vm(CloudInitSpec.ofSecret("web-ci"));
        Outcome o = pass(r, vm);
        assertEquals(Failure.SecretNotFound, o.failure().failure());
        assertFalse(o.failure().failure().terminal(), "the Secret may be created later");
        assertEquals("SecretNotFound", ready(vm).getReason());
        assertTrue(ready(vm).getMessage().contains("team-a/web-ci") && ready(vm).getMessage().contains("userdata"), ready(vm).getMessage());
        assertEquals(List.of(), world.calls, "no pull, no disk, no seed, no domain");

        secrets.put("team-a/web-ci", Map.of("userdata", "#cloud-config\n"));
        pass(r, vm);
        assertTrue(world.calls.containsAll(List.of("build", "seed", "define", "start")), "the next pass goes on: " + world.calls);
    }

    @Test
    void aSecretWithoutUserdataIsAConditionNamingTheKey() {
        secrets.put("team-a/web-ci", Map.of("networkdata", "version: 2\n", "user-data", "the file's name is not the key"));
        BootcVm vm = vm(CloudInitSpec.ofSecret("web-ci"));
        Outcome o = pass(reconciler(cluster), vm);
        assertEquals(Failure.SecretNotFound, o.failure().failure());
        assertTrue(ready(vm).getMessage().contains("team-a/web-ci") && ready(vm).getMessage().contains("no key userdata"), ready(vm).getMessage());
        assertEquals(List.of(), world.calls);
    }

    @Test
    void theFileStoreHasNoSecrets() {
        BootcVm vm = vm(CloudInitSpec.ofSecret("web-ci"));
        Outcome o = pass(reconciler(Secrets.NONE), vm);
        assertEquals(Failure.InvalidCloudInit, o.failure().failure());
        assertTrue(o.failure().failure().terminal());
        assertTrue(ready(vm).getMessage().contains("spec.cloudInit.secretRef") && ready(vm).getMessage().contains("file store"),
                ready(vm).getMessage());
        assertEquals(List.of(), world.calls);
    }

    @Test
    void aRefusedCloudInitFolderStopsThePassBeforeAnythingIsMade() {
        world.disks.failSeed = Failure.UnsafeFile.with("cloud-init file /home/alice/ci/user-data is a symbolic link");
        BootcVm vm = vm(CloudInitSpec.ofPath("/home/alice/ci"));
        Outcome o = pass(reconciler(cluster), vm);
        assertEquals(Failure.UnsafeFile, o.failure().failure());
        assertEquals("UnsafeFile", ready(vm).getReason());
        assertEquals(List.of(), world.calls, "no pull, no base disk, no overlay before cloud-init's input is known good");
    }

    @Test
    void precheckReadsTheFolderAndWritesNothing() {
        world.disks.failSeed = Failure.UnsafeFile.with("cloud-init file /home/alice/ci/user-data is a symbolic link");
        PbException e = assertThrows(PbException.class, () -> reconciler(cluster).precheck(vm(CloudInitSpec.ofPath("/home/alice/ci"))));
        assertEquals(Failure.UnsafeFile, e.failure());
        world.disks.failSeed = null;
        reconciler(cluster).precheck(vm(CloudInitSpec.ofPath("/home/alice/ci")));
        assertEquals(List.of(), world.calls, "read, not written");
        assertFalse(world.disks.files.contains(ISO));
    }
}
