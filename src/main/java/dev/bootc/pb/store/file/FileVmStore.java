package dev.bootc.pb.store.file;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.store.StoreSemantics;
import dev.bootc.pb.store.VmStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * BootcVm resources as YAML files, {@code <root>/<namespace>/<name>.yaml}. Every write happens under
 * one lock for the store (an in-JVM lock plus an OS file lock, so threads and processes both queue),
 * checks resourceVersion, and replaces the file atomically: temp file, fsync, rename, fsync of the
 * folder. Readers take no lock: a rename never shows them a torn file.
 */
public final class FileVmStore implements VmStore {
    private static final Logger LOG = Logger.getLogger(FileVmStore.class);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    static final String SUFFIX = ".yaml";
    static final String TEMP_SUFFIX = ".tmp";

    private final Path root;
    private final List<FileWatch> watches = new ArrayList<>();

    public FileVmStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public String describe() {
        return "file store " + root;
    }

    /** The file of one resource. */
    public Path file(String namespace, String name) {
        return root.resolve(namespace).resolve(name + SUFFIX);
    }

    @Override
    public Optional<BootcVm> get(String namespace, String name) {
        Path f = file(namespace, name);
        try {
            return Optional.of(parse(f, Files.readString(f)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<BootcVm> list(String namespace) {
        List<BootcVm> out = new ArrayList<>();
        for (Path dir : namespaceDirs(namespace)) {
            for (Path f : resourceFiles(dir)) {
                try {
                    out.add(parse(f, Files.readString(f)));
                } catch (NoSuchFileException e) {
                    // deleted while we listed
                } catch (PbException e) {
                    LOG.warnf("Skipping %s", e.getMessage());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        out.sort(Comparator.comparing((BootcVm v) -> v.getMetadata().getNamespace()).thenComparing(v -> v.getMetadata().getName()));
        return out;
    }

    @Override
    public BootcVm create(BootcVm vm) {
        Validation.check(vm);
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        return locked(() -> {
            if (Files.exists(file(ns, name))) {
                throw new PbException.Conflict("AlreadyExists", "BootcVm " + ns + "/" + name + " already exists: choose another name, or use apply to change it");
            }
            BootcVm stored = Json.copy(vm, BootcVm.class);
            stored.setApiVersion(BootcVm.API_VERSION);
            stored.setKind(BootcVm.KIND);
            var m = stored.getMetadata();
            m.setUid(UUID.randomUUID().toString());
            m.setCreationTimestamp(StoreSemantics.now());
            m.setResourceVersion("1");
            m.setGeneration(1L);
            m.setDeletionTimestamp(null);
            stored.setStatus(null);
            write(stored);
            return stored;
        });
    }

    @Override
    public BootcVm update(BootcVm vm) {
        Validation.check(vm);
        return locked(() -> {
            BootcVm current = current(vm);
            BootcVm next = Json.copy(current, BootcVm.class);
            next.setSpec(Json.copy(vm.getSpec(), dev.bootc.pb.api.BootcVmSpec.class));
            var m = next.getMetadata();
            m.setLabels(vm.getMetadata().getLabels());
            m.setAnnotations(vm.getMetadata().getAnnotations());
            m.setFinalizers(vm.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(vm.getMetadata().getFinalizers()));
            boolean specChanged = StoreSemantics.specChanged(current, next);
            if (!specChanged && !StoreSemantics.metadataChanged(current, next)) {
                return current;
            }
            if (specChanged) m.setGeneration(generation(current) + 1);
            bump(next, current);
            if (m.getDeletionTimestamp() != null && m.getFinalizers().isEmpty()) {
                remove(next);
                return next;
            }
            write(next);
            return next;
        });
    }

    @Override
    public BootcVm updateStatus(BootcVm vm) {
        return locked(() -> {
            BootcVm current = current(vm);
            BootcVm next = Json.copy(current, BootcVm.class);
            next.setStatus(vm.getStatus() == null ? null : vm.getStatus().copy());
            if (!StoreSemantics.statusChanged(current, next)) {
                return current;
            }
            bump(next, current);
            write(next);
            return next;
        });
    }

    @Override
    public boolean delete(String namespace, String name) {
        return locked(() -> {
            Optional<BootcVm> found = get(namespace, name);
            if (found.isEmpty()) return false;
            BootcVm current = found.get();
            var m = current.getMetadata();
            if (m.getFinalizers() != null && !m.getFinalizers().isEmpty()) {
                if (m.getDeletionTimestamp() == null) {
                    BootcVm next = Json.copy(current, BootcVm.class);
                    next.getMetadata().setDeletionTimestamp(StoreSemantics.now());
                    next.getMetadata().setDeletionGracePeriodSeconds(0L);
                    bump(next, current);
                    write(next);
                }
                return true;
            }
            remove(current);
            return true;
        });
    }

    @Override
    public Watch watch(String namespace, Consumer<WatchEvent> listener) {
        FileWatch w = new FileWatch(this, namespace, listener);
        synchronized (watches) {
            watches.add(w);
        }
        w.start();
        return w;
    }

    @Override
    public void close() {
        synchronized (watches) {
            watches.forEach(FileWatch::close);
            watches.clear();
        }
    }

    // --- internals ---

    List<Path> namespaceDirs(String namespace) {
        if (namespace != null) {
            Path d = root.resolve(namespace);
            return Files.isDirectory(d) ? List.of(d) : List.of();
        }
        if (!Files.isDirectory(root)) return List.of();
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(root, p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))) {
            s.forEach(dirs::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        dirs.sort(Comparator.naturalOrder());
        return dirs;
    }

    static List<Path> resourceFiles(Path dir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.endsWith(SUFFIX) && !n.startsWith(".");
        })) {
            s.forEach(files::add);
        } catch (NoSuchFileException e) {
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(Comparator.naturalOrder());
        return files;
    }

    static BootcVm parse(Path f, String text) {
        try {
            BootcVm vm = Json.SERIALIZATION.unmarshal(text, BootcVm.class);
            if (vm == null || vm.getMetadata() == null || vm.getMetadata().getName() == null) {
                throw new IllegalArgumentException("no metadata.name");
            }
            return vm;
        } catch (RuntimeException e) {
            throw new PbException.Failed("StoreCorrupt", "Store file " + f + " does not parse (" + firstLine(e) + "): fix or remove it");
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private BootcVm current(BootcVm vm) {
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        BootcVm current = get(ns, name).orElseThrow(() ->
                new PbException.NotFound("BootcVm " + ns + "/" + name + " not found"));
        String rv = vm.getMetadata().getResourceVersion();
        if (rv == null || !rv.equals(current.getMetadata().getResourceVersion())) {
            throw new PbException.Conflict("Conflict", "BootcVm " + ns + "/" + name + " was changed by someone else (resourceVersion "
                    + rv + ", stored " + current.getMetadata().getResourceVersion() + "): read it again and retry");
        }
        if (vm.getMetadata().getUid() != null && !vm.getMetadata().getUid().equals(current.getMetadata().getUid())) {
            throw new PbException.Conflict("Conflict", "BootcVm " + ns + "/" + name + " was deleted and created again: read it again and retry");
        }
        return current;
    }

    private static long generation(BootcVm vm) {
        Long g = vm.getMetadata().getGeneration();
        return g == null ? 1 : g;
    }

    private static void bump(BootcVm next, BootcVm current) {
        long rv;
        try {
            rv = Long.parseLong(current.getMetadata().getResourceVersion());
        } catch (NumberFormatException e) {
            rv = 0;
        }
        next.getMetadata().setResourceVersion(Long.toString(rv + 1));
    }

    private <T> T locked(Supplier<T> action) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(root, r -> new ReentrantLock());
        jvmLock.lock();
        try {
            Files.createDirectories(root);
            try (FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new PbException.Failed("StoreError", "Cannot write to " + describe() + ": " + e.getMessage() + ": check that it is writable", e);
        } finally {
            jvmLock.unlock();
        }
    }

    private void write(BootcVm vm) {
        Path target = file(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
        try {
            Path dir = Files.createDirectories(target.getParent());
            removeStaleTemps(dir);
            Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + TEMP_SUFFIX);
            byte[] bytes = Json.yaml(vm).getBytes(StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            fsyncDir(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void remove(BootcVm vm) {
        Path target = file(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
        try {
            Files.deleteIfExists(target);
            fsyncDir(target.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Temp files left by a writer that was killed: under the store lock no other writer is active. */
    private static void removeStaleTemps(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(".") && n.endsWith(TEMP_SUFFIX);
        })) {
            for (Path p : s) Files.deleteIfExists(p);
        }
    }

    private static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every filesystem lets a folder be synced; the rename is still atomic.
        }
    }
}
