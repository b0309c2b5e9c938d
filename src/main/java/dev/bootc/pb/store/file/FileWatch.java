package dev.bootc.pb.store.file;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.store.VmStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A watch on the file store: inotify (through {@link WatchService}) wakes it, a rescan every second
 * catches anything inotify missed. Changes are found by comparing file contents (of the files whose
 * inode, time or size changed), so an edit made by hand (which keeps the resourceVersion) is delivered too. Starts with an ADDED event per resource.
 */
final class FileWatch implements VmStore.Watch {
    private static final Logger LOG = Logger.getLogger(FileWatch.class);
    private static final long RESCAN_MILLIS = 1000;

    private final FileVmStore store;
    private final String namespace;
    private final Consumer<VmStore.WatchEvent> listener;
    private final Map<String, Seen> seen = new HashMap<>();
    private final Set<Path> registered = new HashSet<>();
    private volatile boolean closed;
    private WatchService service;
    private Thread thread;
    private volatile long lastFullScan;

    /**
     * What a scan saw of one file: its contents, the resource last delivered for it (null while it never held a
     * valid one), and its inode, time and size to skip rereading it. A corrupt or unreadable file is remembered by
     * its inode, time and size too, so it is reported once per change, not at every rescan.
     */
    private record Seen(String text, BootcVm vm, Object fileKey, long modifiedNanos, long size) {
        boolean sameFile(BasicFileAttributes a) {
            return a != null && java.util.Objects.equals(fileKey, a.fileKey()) && modifiedNanos == nanos(a) && size == a.size();
        }

        static long nanos(BasicFileAttributes a) {
            return a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        }
    }

    FileWatch(FileVmStore store, String namespace, Consumer<VmStore.WatchEvent> listener) {
        this.store = store;
        this.namespace = namespace;
        this.listener = listener;
    }

    void start() {
        try {
            dev.bootc.pb.os.FileModes.privateFolders(store.root());
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw Failure.StoreError.with("Cannot watch " + store.describe() + ": " + e.getMessage());
        }
        scan();
        thread = new Thread(this::loop, "pb-file-store-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (!closed) {
            try {
                var key = service.poll(RESCAN_MILLIS, TimeUnit.MILLISECONDS);
                if (key == null) {
                    scan(); // the safety net: a stat of each file, a read of the changed ones
                    continue;
                }
                // Let a burst of writes settle, then look at just the files named in the events.
                Thread.sleep(20);
                Set<Path> changed = new HashSet<>();
                boolean full = false;
                for (; key != null; key = service.poll()) {
                    Path dir = (Path) key.watchable();
                    for (var event : key.pollEvents()) {
                        if (event.kind() == StandardWatchEventKinds.OVERFLOW) full = true;
                        else if (!(event.context() instanceof Path name)) continue;
                        // in the root: a namespace folder came or went (the store's lock file, .lock, is no news)
                        else if (dir.equals(store.root())) full |= !name.toString().startsWith(".");
                        else changed.add(dir.resolve(name));
                    }
                    key.reset();
                }
                // the safety net stays once a second while events keep coming, not only in quiet seconds
                if (full || System.nanoTime() - lastFullScan >= TimeUnit.MILLISECONDS.toNanos(RESCAN_MILLIS)) scan();
                else scanFiles(changed);
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("File store watch: %s", e.getMessage());
            }
        }
    }

    /** Looks at these files only: inotify named them. */
    private synchronized void scanFiles(Set<Path> files) {
        if (closed) return;
        for (Path f : files) {
            String n = f.getFileName().toString();
            if (!n.endsWith(FileVmStore.SUFFIX) || n.startsWith(".")) continue;
            String key = f.getParent().getFileName() + "/" + n;
            if (!look(key, f, seen.get(key), seen)) {
                Seen gone = seen.remove(key);
                if (gone != null) deliver(VmStore.WatchEvent.Type.DELETED, gone.vm);
            }
        }
    }

    private synchronized void scan() {
        if (closed) return;
        lastFullScan = System.nanoTime();
        register(store.root());
        Map<String, Seen> now = new HashMap<>();
        for (Path dir : store.namespaceDirs(namespace)) {
            register(dir);
            for (Path f : FileVmStore.resourceFiles(dir)) {
                String key = dir.getFileName() + "/" + f.getFileName();
                look(key, f, seen.get(key), now);
            }
        }
        for (var e : seen.entrySet()) {
            if (!now.containsKey(e.getKey())) deliver(VmStore.WatchEvent.Type.DELETED, e.getValue().vm);
        }
        seen.clear();
        seen.putAll(now);
    }

    /**
     * Reads {@code f} if its inode, time or size changed since {@code before}, delivers what changed,
     * and puts what it saw into {@code into}; false when the file is gone.
     */
    private boolean look(String key, Path f, Seen before, Map<String, Seen> into) {
        BasicFileAttributes attrs = null;
        String text = null;
        BootcVm last = before == null ? null : before.vm;
        try {
            // every write replaces the file (a new inode) and an edit in place changes its time:
            // an unchanged file is not read again, so a scan of N quiet resources costs N stats
            attrs = Files.readAttributes(f, BasicFileAttributes.class);
            if (before != null && before.sameFile(attrs)) {
                into.put(key, before);
                return true;
            }
            text = Files.readString(f);
            if (before != null && text.equals(before.text)) {
                into.put(key, new Seen(text, last, attrs.fileKey(), Seen.nanos(attrs), attrs.size()));
                return true;
            }
            BootcVm vm = FileVmStore.parse(f, text);
            into.put(key, new Seen(text, vm, attrs.fileKey(), Seen.nanos(attrs), attrs.size()));
            deliver(last == null ? VmStore.WatchEvent.Type.ADDED : VmStore.WatchEvent.Type.MODIFIED, vm);
            return true;
        } catch (NoSuchFileException e) {
            return false; // gone: a full scan or the event that named it reports it
        } catch (IOException e) {
            LOG.warnf("File store watch: cannot read %s: %s", f, e.getMessage());
        } catch (PbException e) {
            LOG.warnf("%s", e.getMessage());
        }
        // corrupt or unreadable for now: the resource stays as it was (none if it never was one), and this file is
        // not read nor reported again until it changes
        Seen keep = attrs == null ? before : new Seen(text, last, attrs.fileKey(), Seen.nanos(attrs), attrs.size());
        if (keep != null) into.put(key, keep);
        return true;
    }

    private void deliver(VmStore.WatchEvent.Type type, BootcVm vm) {
        if (vm == null) return; // a file that never held a valid resource: nothing to add or delete
        try {
            listener.accept(new VmStore.WatchEvent(type, vm));
        } catch (RuntimeException e) {
            LOG.warnf(e, "Watch listener failed on %s %s", type, vm.key());
        }
    }

    private void register(Path dir) {
        if (registered.contains(dir) || !Files.isDirectory(dir)) return;
        try {
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            registered.add(dir);
        } catch (IOException e) {
            LOG.debugf("Cannot register %s for inotify, relying on rescans: %s", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (service != null) service.close();
        } catch (IOException e) {
            // closing anyway
        }
        if (thread != null) thread.interrupt();
    }
}
