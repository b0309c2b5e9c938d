package dev.bootc.pb.store.file;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.store.VmStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store file is the resource its path names: one whose metadata.name or namespace says otherwise (like
 * {@code default/b.yaml} holding {@code name: ../../../../../tmp/victim}) is a corrupt entry, listed as such,
 * never handed out as a resource, reported once by the watch, and removable with pb rm -f.
 */
class FileVmStoreNamesTest {
    static final String TRAVERSAL = "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n  name: ../../../../../tmp/victim\n"
            + "  namespace: default\nspec:\n  image: localhost/pb-fixture:latest\n";

    @TempDir
    Path dir;
    final List<String> warnings = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r instanceof org.jboss.logmanager.ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    /** JUL holds loggers weakly: this keeps the one the handler is on. */
    final Logger watchLogger = Logger.getLogger(FileWatch.class.getName());

    @AfterEach
    void detach() {
        watchLogger.removeHandler(capture);
    }

    FileVmStore storeWith(String relative, String text) throws Exception {
        Path f = dir.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return new FileVmStore(dir);
    }

    @Test
    void aFileWhoseInnerNameIsNotItsFileNameIsACorruptEntry() throws Exception {
        FileVmStore store = storeWith("default/b.yaml", TRAVERSAL);
        PbException e = assertThrows(PbException.class, () -> store.get("default", "b"));
        assertEquals(Failure.StoreCorrupt, e.failure(), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("default/b.yaml").toString()) && e.getMessage().contains("../../../../../tmp/victim"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());

        assertEquals(List.of(), store.list("default"), "never handed out as a resource");
        assertEquals(List.of(), store.list(null));
        List<FileVmStore.Listed> all = store.listAll("default");
        assertEquals(1, all.size());
        assertEquals("default", all.get(0).namespace());
        assertEquals("b", all.get(0).name(), "listed under its path's name, never the one inside");
        assertTrue(all.get(0).vm().isEmpty());
        assertEquals(List.of(new VmStore.Unreadable("default", "b", all.get(0).problem())), store.unreadable("default"));

        assertTrue(store.delete("default", "b"), "pb rm -f removes it");
        assertFalse(Files.exists(dir.resolve("default/b.yaml")));
    }

    @Test
    void aFileWhoseInnerNamespaceIsNotItsFolderIsACorruptEntryAndOneWithoutANamespaceIsItsFolders() throws Exception {
        FileVmStore store = storeWith("default/web.yaml", TRAVERSAL.replace("../../../../../tmp/victim", "web").replace("namespace: default", "namespace: other"));
        assertEquals(Failure.StoreCorrupt, assertThrows(PbException.class, () -> store.get("default", "web")).failure());
        assertEquals(List.of(), store.list(null));

        Files.writeString(dir.resolve("default/web.yaml"), TRAVERSAL.replace("../../../../../tmp/victim", "web").replace("  namespace: default\n", ""));
        BootcVm vm = store.get("default", "web").orElseThrow();
        assertEquals("default", vm.getMetadata().getNamespace(), "a file without a namespace is in its folder's");
        assertEquals(List.of("default/web"), store.list(null).stream().map(v -> v.key()).toList());
    }

    @Test
    void aFileWhosePathIsNoResourceNameIsACorruptEntry() throws Exception {
        FileVmStore store = storeWith("default/Web_1.yaml", TRAVERSAL.replace("../../../../../tmp/victim", "Web_1"));
        Files.createDirectories(dir.resolve("Team")).resolve("web.yaml");
        Files.writeString(dir.resolve("Team/web.yaml"), TRAVERSAL.replace("../../../../../tmp/victim", "web").replace("namespace: default", "namespace: Team"));
        assertEquals(List.of(), store.list(null));
        List<FileVmStore.Listed> all = store.listAll(null);
        assertEquals(2, all.size(), all.toString());
        assertTrue(all.stream().allMatch(l -> l.vm().isEmpty() && l.problem().contains("DNS label")), all.toString());
    }

    @Test
    void theWatchNeverDeliversItAndReportsItOnceAChange() throws Exception {
        watchLogger.addHandler(capture);
        FileVmStore store = storeWith("default/b.yaml", TRAVERSAL);
        List<VmStore.WatchEvent> events = new CopyOnWriteArrayList<>();
        try (VmStore.Watch w = store.watch(null, events::add)) {
            Thread.sleep(3500); // three rescans
            assertEquals(List.of(), events, "a corrupt entry is no resource");
            assertEquals(1, warnings.size(), "reported once, not at every rescan: " + warnings);
            assertTrue(warnings.get(0).contains(dir.resolve("default/b.yaml").toString()), warnings.get(0));

            Files.writeString(dir.resolve("default/b.yaml"), TRAVERSAL.replace("victim", "victim2"));
            Thread.sleep(2500);
            assertEquals(2, warnings.size(), "reported again when it changes: " + warnings);

            Files.writeString(dir.resolve("default/b.yaml"), TRAVERSAL.replace("../../../../../tmp/victim", "b"));
            await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(50)).until(() -> !events.isEmpty());
            assertEquals(1, events.size(), events.toString());
            assertEquals(VmStore.WatchEvent.Type.ADDED, events.get(0).type());
            assertEquals("default/b", events.get(0).resource().key());
        }
        store.close();
    }

    @Test
    void aResourceThatBecomesCorruptStaysAsItWasUntilFixedOrDeleted() throws Exception {
        watchLogger.addHandler(capture);
        FileVmStore store = new FileVmStore(dir);
        store.create(new BootcVm("default", "b", new BootcVmSpec("localhost/pb-fixture:latest")));
        List<VmStore.WatchEvent> events = new CopyOnWriteArrayList<>();
        try (VmStore.Watch w = store.watch(null, events::add)) {
            Files.writeString(dir.resolve("default/b.yaml"), TRAVERSAL);
            Thread.sleep(2500);
            assertEquals(List.of(VmStore.WatchEvent.Type.ADDED), events.stream().map(VmStore.WatchEvent::type).toList(), "no event for the corrupt content");
            assertEquals(1, warnings.size(), warnings.toString());
            Files.delete(dir.resolve("default/b.yaml"));
            await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(50)).until(() -> events.size() >= 2);
            assertEquals(VmStore.WatchEvent.Type.DELETED, events.get(1).type());
            assertEquals("default/b", events.get(1).resource().key(), "the resource it was, never the name the corrupt file gave");
        }
        store.close();
    }
}
