package dev.bootc.pb.store;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.store.file.FileVmStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pb's one conflict-retry loop, on the real file store: a stale copy is read again and the change made to what is stored. */
class WritesTest {
    @TempDir
    Path dir;

    private static BootcVm labelled(BootcVm vm) {
        vm.getMetadata().setLabels(Map.of("team", "a"));
        return vm;
    }

    @Test
    void aConflictIsReadAgainAndTheChangeMadeToWhatIsStoredKeepingTheOtherWritersChange() {
        FileVmStore store = new FileVmStore(dir);
        BootcVm stale = store.create(new BootcVm("default", "web", new BootcVmSpec("img")));
        BootcVm other = stale.copy();
        other.getSpec().setNodeName("node-b");
        store.update(other); // another writer got there first
        AtomicInteger tries = new AtomicInteger();
        BootcVm stored = Writes.withRetry(store, stale, vm -> {
            tries.incrementAndGet();
            return labelled(vm);
        }, store::update);
        assertEquals(2, tries.get(), "one conflict, read again, written");
        assertEquals("node-b", stored.getSpec().getNodeName(), "the other writer's change is kept");
        assertEquals("a", store.get("default", "web").orElseThrow().getMetadata().getLabels().get("team"));
    }

    @Test
    void nothingToChangeWritesNothingAndGivesTheResourceBack() {
        FileVmStore store = new FileVmStore(dir);
        BootcVm vm = store.create(new BootcVm("default", "web", new BootcVmSpec("img")));
        assertSame(vm, Writes.withRetry(store, vm, v -> null, store::update));
        assertEquals(vm.getMetadata().getResourceVersion(), store.get("default", "web").orElseThrow().getMetadata().getResourceVersion());
    }

    @Test
    void aResourceGoneBeforeOrDuringTheWriteIsNull() {
        FileVmStore store = new FileVmStore(dir);
        BootcVm gone = store.create(new BootcVm("default", "gone", new BootcVmSpec("img")));
        store.delete("default", "gone");
        assertNull(Writes.withRetry(store, gone, WritesTest::labelled, store::update), "not found on write");

        BootcVm stale = store.create(new BootcVm("default", "web", new BootcVmSpec("img")));
        store.update(labelled(stale.copy()));
        // the conflict's second read finds nothing: deleted between the two
        assertNull(Writes.withRetry(store, stale, WritesTest::labelled, vm -> {
            try {
                return store.update(vm);
            } finally {
                store.delete("default", "web");
            }
        }));
    }

    @Test
    void aWriterThatAlwaysConflictsGivesUpWithTheConflict() {
        FileVmStore store = new FileVmStore(dir);
        BootcVm vm = store.create(new BootcVm("default", "web", new BootcVmSpec("img")));
        List<Integer> writes = new java.util.ArrayList<>();
        PbException e = assertThrows(PbException.class, () -> Writes.withRetry(store, vm, WritesTest::labelled, v -> {
            writes.add(writes.size());
            BootcVm bump = store.get("default", "web").orElseThrow();
            bump.getSpec().setNodeName("n" + writes.size());
            store.update(bump); // someone else writes every time first
            return store.update(v);
        }));
        assertTrue(e.isConflict(), e.getMessage());
        assertTrue(writes.size() > 5, "retried before giving up: " + writes.size());
    }
}
