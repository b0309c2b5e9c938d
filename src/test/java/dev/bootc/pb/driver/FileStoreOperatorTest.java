package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file-store operator: its node's VMs (and those with none) come up; other nodes' are left alone; a terminal failure is not retried. */
class FileStoreOperatorTest {
    @TempDir
    Path dir;

    @Test
    void bringsUpItsVmsLeavesOthersAloneAndDoesNotRetryATerminalFailure() throws Exception {
        FakeWorld world = new FakeWorld();
        FileVmStore store = new FileVmStore(dir.resolve("store"));
        DriverSupport support = world.fileStoreSupport(dir, store);
        BootcVmSpec mine = new BootcVmSpec("img");
        mine.setNodeName("here");
        BootcVmSpec other = new BootcVmSpec("img");
        other.setNodeName("elsewhere");
        store.create(new BootcVm("default", "mine", mine));
        store.create(new BootcVm("default", "unassigned", new BootcVmSpec("img")));
        store.create(new BootcVm("default", "other", other));
        try (FileStoreOperator op = new FileStoreOperator(support, world.domains, new NodeFilter("here", true), 2, Duration.ofSeconds(30))) {
            op.start();
            waitFor(() -> phase(store, "mine") == Phase.Running && phase(store, "unassigned") == Phase.Running);
            assertEquals(null, store.get("default", "other").orElseThrow().getStatus(), "another node's VM is left alone");

            world.images.failResolve = Failure.ImageNotFound.with("image gone not found");
            store.create(new BootcVm("default", "broken", new BootcVmSpec("gone")));
            waitFor(() -> phase(store, "broken") == Phase.Failed);
            long resolves = world.count("resolve");
            Thread.sleep(3000);
            assertEquals(resolves, world.count("resolve"), "a terminal failure is not retried: " + world.calls);
        }
    }

    @Test
    void neverQueuesAFileWhoseInnerNameIsNotItsPath() throws Exception {
        FakeWorld world = new FakeWorld();
        FileVmStore store = new FileVmStore(dir.resolve("store"));
        DriverSupport support = world.fileStoreSupport(dir, store);
        java.nio.file.Files.createDirectories(dir.resolve("store/default"));
        java.nio.file.Files.writeString(dir.resolve("store/default/b.yaml"), "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n"
                + "  name: ../../../../../tmp/victim\n  namespace: default\nspec:\n  image: img\n");
        try (FileStoreOperator op = new FileStoreOperator(support, world.domains, new NodeFilter("here", true), 2, Duration.ofSeconds(1))) {
            op.start();
            assertTrue(op.awaitActive(Duration.ofSeconds(10)));
            Thread.sleep(3000); // the watch's rescans and three resyncs
            assertEquals(0, op.queued(), "nothing queued, so nothing retried");
            assertEquals(0, op.reconciles());
            assertEquals(java.util.List.of(), world.calls, "nothing of the host touched");
        }
    }

    static Phase phase(FileVmStore store, String name) {
        return store.get("default", name).map(v -> v.getStatus() == null ? null : v.getStatus().getPhase()).orElse(null);
    }

    static void waitFor(BooleanSupplier cond) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(cond::getAsBoolean);
    }
}
