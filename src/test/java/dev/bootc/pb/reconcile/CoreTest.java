package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.testing.FakeWorld;
import dev.bootc.pb.testing.TestClock;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the tests of the reconcile core share: the real core on fakes of podman, disks, libvirt and SSH
 * ({@link FakeWorld}), a clock the test moves, and a pass that keeps its status on the resource as a store would.
 */
abstract class CoreTest {
    final FakeWorld world = new FakeWorld();
    final TestClock clock = new TestClock();
    final VmLayout layout = new VmLayout(Path.of("/data"), Path.of("/images"));
    final VmReconciler reconciler = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
            new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), clock);

    /** A resource of the fixture image as a store hands it over: a uid, generation 1, a creation time. */
    static BootcVm vm(String name, String uid) {
        BootcVm vm = new BootcVm("default", name, new BootcVmSpec("localhost/pb-fixture:latest"));
        vm.getMetadata().setUid(uid);
        vm.getMetadata().setGeneration(1L);
        vm.getMetadata().setCreationTimestamp("2026-12-01T09:00:00Z");
        return vm;
    }

    /** One pass; the status it computed is the resource's, as the store writes it. */
    Outcome pass(BootcVm vm) {
        Outcome o = reconciler.reconcile(vm, Progress.none());
        vm.setStatus(o.status());
        return o;
    }
}
