package dev.bootc.pb.store;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.RunStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules every {@link VmStore} keeps; run against the file store and against a Kubernetes API server. */
public abstract class VmStoreContract {

    protected abstract VmStore store();

    /** A namespace no other case uses, so cases do not see each other's resources. */
    protected abstract String namespace();

    protected BootcVm vm(String name) {
        return new BootcVm(namespace(), name, new BootcVmSpec("localhost/pb-fixture:latest"));
    }

    @Test
    void createSetsIdentityAndGetReturnsIt() {
        BootcVm created = store().create(vm("alpha"));
        assertNotNull(created.getMetadata().getUid());
        assertNotNull(created.getMetadata().getCreationTimestamp());
        assertNotNull(created.getMetadata().getResourceVersion());
        assertEquals(1L, created.getMetadata().getGeneration());
        BootcVm got = store().get(namespace(), "alpha").orElseThrow();
        assertEquals(created.getMetadata().getUid(), got.getMetadata().getUid());
        assertEquals("localhost/pb-fixture:latest", got.getSpec().getImage());
        assertEquals(BootcVm.API_VERSION, got.getApiVersion());
        assertTrue(store().get(namespace(), "nope").isEmpty());
    }

    @Test
    void createOfATakenNameIsAConflict() {
        store().create(vm("taken"));
        PbException e = assertThrows(PbException.class, () -> store().create(vm("taken")));
        assertTrue(e.getMessage().contains("taken"), e.getMessage());
    }

    @Test
    void specChangeBumpsGenerationMetadataChangeDoesNot() {
        BootcVm v = store().create(vm("gen"));
        v.getSpec().setRunStrategy(RunStrategy.Halted);
        BootcVm v2 = store().update(v);
        assertEquals(2L, v2.getMetadata().getGeneration());
        assertNotEquals(v.getMetadata().getResourceVersion(), v2.getMetadata().getResourceVersion());
        v2.getMetadata().setLabels(new java.util.HashMap<>(java.util.Map.of("team", "a")));
        BootcVm v3 = store().update(v2);
        assertEquals(2L, v3.getMetadata().getGeneration());
        assertNotEquals(v2.getMetadata().getResourceVersion(), v3.getMetadata().getResourceVersion());
        assertEquals("a", store().get(namespace(), "gen").orElseThrow().getMetadata().getLabels().get("team"));
    }

    @Test
    void staleWriteIsAConflictNotAnOverwrite() {
        BootcVm v = store().create(vm("stale"));
        BootcVm first = store().get(namespace(), "stale").orElseThrow();
        first.getSpec().setNodeName("one");
        store().update(first);
        v.getSpec().setNodeName("two");
        assertThrows(PbException.class, () -> store().update(v));
        assertEquals("one", store().get(namespace(), "stale").orElseThrow().getSpec().getNodeName());
    }

    @Test
    void statusIsWrittenApartFromSpec() {
        BootcVm v = store().create(vm("status"));
        BootcVmStatus st = new BootcVmStatus();
        st.setPhase(Phase.Running);
        st.setSshPort(2222);
        v.setStatus(st);
        v.getSpec().setNodeName("ignored-by-status-write");
        BootcVm after = store().updateStatus(v);
        assertEquals(Phase.Running, after.getStatus().getPhase());
        assertEquals(1L, after.getMetadata().getGeneration());
        BootcVm stored = store().get(namespace(), "status").orElseThrow();
        assertNull(stored.getSpec().getNodeName());
        assertEquals(2222, stored.getStatus().getSshPort());
        // and a spec write leaves the status alone
        stored.setStatus(null);
        stored.getSpec().setNodeName("n1");
        store().update(stored);
        assertEquals(2222, store().get(namespace(), "status").orElseThrow().getStatus().getSshPort());
    }

    @Test
    void statusWriteWithStaleVersionIsAConflict() {
        BootcVm v = store().create(vm("status-stale"));
        BootcVm fresh = store().get(namespace(), "status-stale").orElseThrow();
        fresh.getSpec().setNodeName("x");
        store().update(fresh);
        v.setStatus(new BootcVmStatus());
        v.getStatus().setPhase(Phase.Failed);
        assertThrows(PbException.class, () -> store().updateStatus(v));
    }

    @Test
    void deleteWithoutFinalizersRemoves() {
        store().create(vm("gone"));
        assertTrue(store().delete(namespace(), "gone"));
        assertTrue(store().get(namespace(), "gone").isEmpty());
        assertFalse(store().delete(namespace(), "gone"));
    }

    @Test
    void deleteWithFinalizersOnlyMarksUntilTheLastFinalizerGoes() {
        BootcVm v = vm("final");
        v.getMetadata().setFinalizers(new java.util.ArrayList<>(List.of(BootcVm.FINALIZER)));
        store().create(v);
        assertTrue(store().delete(namespace(), "final"));
        BootcVm marked = store().get(namespace(), "final").orElseThrow();
        assertNotNull(marked.getMetadata().getDeletionTimestamp());
        marked.getMetadata().setFinalizers(new java.util.ArrayList<>());
        store().update(marked);
        assertTrue(store().get(namespace(), "final").isEmpty());
    }

    @Test
    void listIsSortedAndScopedToTheNamespace() {
        store().create(vm("zulu"));
        store().create(vm("bravo"));
        List<String> names = store().list(namespace()).stream().map(x -> x.getMetadata().getName()).toList();
        assertEquals(List.of("bravo", "zulu"), names);
        assertTrue(store().list(null).size() >= 2);
    }

    @Test
    void invalidResourceIsRejected() {
        BootcVm bad = vm("Bad_Name");
        assertThrows(PbException.class, () -> store().create(bad));
        assertTrue(store().list(namespace()).isEmpty());
    }

    @Test
    void watchDeliversAddUpdateDelete() throws Exception {
        List<VmStore.WatchEvent> events = new CopyOnWriteArrayList<>();
        try (VmStore.Watch w = store().watch(namespace(), events::add)) {
            BootcVm v = store().create(vm("watched"));
            waitFor(() -> has(events, VmStore.WatchEvent.Type.ADDED, "watched"));
            v.getSpec().setRunStrategy(RunStrategy.Halted);
            store().update(v);
            waitFor(() -> events.stream().anyMatch(e -> e.type() == VmStore.WatchEvent.Type.MODIFIED
                    && e.resource().getSpec().getRunStrategy() == RunStrategy.Halted));
            store().delete(namespace(), "watched");
            waitFor(() -> has(events, VmStore.WatchEvent.Type.DELETED, "watched"));
        }
    }

    private static boolean has(List<VmStore.WatchEvent> events, VmStore.WatchEvent.Type type, String name) {
        return events.stream().anyMatch(e -> e.type() == type && e.resource().getMetadata().getName().equals(name));
    }

    protected static void waitFor(java.util.function.BooleanSupplier cond) {
        await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(20)).until(cond::getAsBoolean);
    }
}
