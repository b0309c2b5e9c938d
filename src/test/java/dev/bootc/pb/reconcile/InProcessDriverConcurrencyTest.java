package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.operator.InProcessDriver;
import dev.bootc.pb.store.file.FileVmStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two drivers (as two pb processes would) reconciling one VM at once: one build, one define, one start. */
class InProcessDriverConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void twoDriversNeverBothBuildDefineOrStart() throws Exception {
        FakeWorld world = new FakeWorld();
        world.sshReady = true;
        world.buildMillis = 300;
        FileVmStore store1 = new FileVmStore(dir.resolve("store"));
        FileVmStore store2 = new FileVmStore(dir.resolve("store"));
        store1.create(new BootcVm("default", "shared", new BootcVmSpec("img")));
        InProcessDriver d1 = new InProcessDriver(store1, new VmReconciler(world, Duration.ofMinutes(1), Duration.ofSeconds(1)), dir.resolve("locks"));
        InProcessDriver d2 = new InProcessDriver(store2, new VmReconciler(world, Duration.ofMinutes(1), Duration.ofSeconds(1)), dir.resolve("locks"));
        var ready = (java.util.function.Predicate<java.util.Optional<BootcVm>>) v ->
                v.isPresent() && v.get().getStatus() != null && v.get().getStatus().isTrue(Conditions.READY);
        CompletableFuture<?> a = CompletableFuture.runAsync(() -> d1.reconcileUntil("default", "shared", ready, Duration.ofSeconds(20), "missing", s -> { }));
        CompletableFuture<?> b = CompletableFuture.runAsync(() -> d2.reconcileUntil("default", "shared", ready, Duration.ofSeconds(20), "missing", s -> { }));
        a.get();
        b.get();
        assertEquals(1, world.calls.stream().filter("build"::equals).count(), world.calls.toString());
        assertEquals(1, world.calls.stream().filter("start"::equals).count(), world.calls.toString());
        assertTrue(store1.get("default", "shared").orElseThrow().getMetadata().getFinalizers().contains(BootcVm.FINALIZER));
    }
}
