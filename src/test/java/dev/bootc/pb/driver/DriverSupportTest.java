package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every driver does around the core: finalizer, status only when changed, events, when to look again. */
class DriverSupportTest {
    @TempDir
    Path dir;
    final FakeWorld world = new FakeWorld();
    FileVmStore store;
    FileEventLog events;
    DriverSupport support;
    final VmKey key = new VmKey("default", "vm");

    @BeforeEach
    void setUp() {
        VmLayout layout = new VmLayout(dir.resolve("data"), dir.resolve("images"));
        store = new FileVmStore(dir.resolve("store"));
        events = new FileEventLog(layout.events());
        support = new DriverSupport(store, new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(5)), Clock.systemUTC()), events, layout.locks());
        store.create(new BootcVm("default", "vm", new BootcVmSpec("img")));
    }

    DriverSupport.Pass pass() {
        return support.pass(key, Progress.none());
    }

    @Test
    void aPassAddsTheFinalizerWritesTheStatusRecordsEventsAndSaysWhenToLookAgain() {
        DriverSupport.Pass p = pass();
        BootcVm stored = p.vm().orElseThrow();
        assertTrue(stored.getMetadata().getFinalizers().contains(BootcVm.FINALIZER));
        assertEquals("Starting", stored.getStatus().getPhase().name());
        assertEquals(VmReconciler.POLL, p.next(), "booting: look again soon");
        assertTrue(events.recent(key, 10).stream().anyMatch(e -> e.reason().equals("Started")), events.recent(key, 10).toString());
    }

    @Test
    void anUnchangedStatusIsNotWrittenAgain() {
        world.ssh.ready = true;
        pass();
        String rv = store.get("default", "vm").orElseThrow().getMetadata().getResourceVersion();
        DriverSupport.Pass again = pass();
        assertEquals(rv, store.get("default", "vm").orElseThrow().getMetadata().getResourceVersion());
        assertNull(again.next(), "settled: only a change brings it back");
    }

    @Test
    void aFailureThatMayHealIsRetriedWithAGrowingBackoff() {
        world.images.failResolve = Failure.PodmanFailed.with("podman: database is locked");
        assertEquals(Duration.ofSeconds(1), pass().next());
        assertEquals(Duration.ofSeconds(2), pass().next());
        assertEquals(Duration.ofSeconds(4), pass().next());
        world.images.failResolve = null;
        world.ssh.ready = true;
        assertNull(pass().next(), "healed: no retry, and the back-off starts over");
        world.images.failResolve = Failure.PodmanFailed.with("again");
        world.disks.files.clear();
        assertEquals(Duration.ofSeconds(1), pass().next());
    }

    @Test
    void aTerminalFailureIsNeverRetriedByItself() {
        world.images.failResolve = Failure.ImageNotFound.with("image img not found");
        DriverSupport.Pass p = pass();
        assertEquals(Failure.ImageNotFound, p.outcome().failure().failure());
        assertNull(p.next());
        world.calls.clear();
        pass();
        assertEquals(List.of(), world.calls, "a pass at the same generation does nothing");
    }

    @Test
    void deletionCleansUpRemovesTheFinalizerAndForgetsTheEvents() {
        world.ssh.ready = true;
        pass();
        store.delete("default", "vm");
        DriverSupport.Pass p = pass();
        assertTrue(p.vm().isEmpty());
        assertTrue(store.get("default", "vm").isEmpty(), "the resource went once its VM was cleaned up");
        assertTrue(world.domains.domains.isEmpty());
        assertTrue(events.recent(key, 10).isEmpty());
    }
}
