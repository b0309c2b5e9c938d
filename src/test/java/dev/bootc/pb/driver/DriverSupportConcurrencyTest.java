package dev.bootc.pb.driver;

import dev.bootc.pb.testing.FakeWorld;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two drivers (as two pb processes would) reconciling one VM at once: one build, one define, one start. */
class DriverSupportConcurrencyTest {
    @TempDir
    Path dir;

    private DriverSupport driver(FakeWorld world) {
        VmLayout layout = new VmLayout(dir.resolve("data"), dir.resolve("images"));
        VmReconciler core = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(1), Duration.ofSeconds(1)), Clock.systemUTC());
        return new DriverSupport(new FileVmStore(dir.resolve("store")), core, new FileEventLog(layout.events()), layout.locks());
    }

    @Test
    void twoDriversNeverBothBuildDefineOrStart() throws Exception {
        FakeWorld world = new FakeWorld();
        world.ssh.ready = true;
        world.disks.buildMillis = 300;
        new FileVmStore(dir.resolve("store")).create(new BootcVm("default", "shared", new BootcVmSpec("img")));
        DriverSupport d1 = driver(world);
        DriverSupport d2 = driver(world);
        VmKey key = new VmKey("default", "shared");
        CompletableFuture<?> a = CompletableFuture.runAsync(() -> new InProcessConvergence(d1).await(key, UP, Duration.ofSeconds(20), s -> { }));
        CompletableFuture<?> b = CompletableFuture.runAsync(() -> new InProcessConvergence(d2).await(key, UP, Duration.ofSeconds(20), s -> { }));
        a.get();
        b.get();
        assertEquals(1, world.count("build"), world.calls.toString());
        assertEquals(1, world.count("define"), world.calls.toString());
        assertEquals(1, world.count("start"), world.calls.toString());
        assertTrue(new FileVmStore(dir.resolve("store")).get("default", "shared").orElseThrow().getMetadata().getFinalizers().contains(BootcVm.FINALIZER));
    }

    static final java.util.function.Predicate<java.util.Optional<BootcVm>> UP = v ->
            v.isPresent() && v.get().getStatus() != null && v.get().getStatus().isTrue(dev.bootc.pb.api.Conditions.READY);
}
