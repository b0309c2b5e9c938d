package dev.bootc.pb.store.file;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.Sweeps;
import dev.bootc.pb.os.HostLock;
import dev.bootc.pb.store.StoreSemantics;
import dev.bootc.pb.store.VmStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * BootcVm resources as YAML files, {@code <root>/<namespace>/<name>.yaml}, the owner's alone (0600 in 0700
 * folders: a spec may hold inline user-data). Every write happens under
 * one lock for the store (threads and processes both queue), checks resourceVersion, and replaces the
 * file atomically. Readers take no lock: a rename never shows them a torn file.
 */
public final class FileVmStore implements VmStore {
    static final String SUFFIX = ".yaml";

    private final Path root;
    private final List<FileWatch> watches = new ArrayList<>();
    /** Temp files of killed writers are swept from a namespace folder once a minute, not at every write. */
    private final Sweeps sweeps = new Sweeps(java.time.Duration.ofMinutes(1));

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

    /** The file of one resource; a namespace or name that is no DNS label (like {@code ../x}) never makes a path. */
    public Path file(String namespace, String name) {
        Validation.requireName("namespace", namespace);
        Validation.requireName("name", name);
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
            throw Failure.StoreError.with("Cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<BootcVm> list(String namespace) {
        List<BootcVm> out = new ArrayList<>();
        for (Listed l : listAll(namespace)) l.vm().ifPresent(out::add);
        return out;
    }

    /** Every resource file of a namespace (all when null), sorted: each parsed, or the problem that keeps it from parsing. */
    public List<Listed> listAll(String namespace) {
        List<Listed> out = new ArrayList<>();
        for (Path dir : namespaceDirs(namespace)) {
            for (Path f : resourceFiles(dir)) {
                String ns = dir.getFileName().toString();
                String name = f.getFileName().toString();
                name = name.substring(0, name.length() - SUFFIX.length());
                try {
                    out.add(new Listed(ns, name, Optional.of(parse(f, Files.readString(f))), null));
                } catch (NoSuchFileException e) {
                    // deleted while we listed
                } catch (PbException e) {
                    out.add(new Listed(ns, name, Optional.empty(), e.getMessage()));
                } catch (IOException e) {
                    out.add(new Listed(ns, name, Optional.empty(), "cannot read " + f + ": " + e.getMessage()));
                }
            }
        }
        return out;
    }

    @Override
    public List<Unreadable> unreadable(String namespace) {
        return listAll(namespace).stream().filter(l -> l.vm().isEmpty()).map(l -> new Unreadable(l.namespace(), l.name(), l.problem())).toList();
    }

    /** One resource file: the resource, or why it cannot be read. */
    public record Listed(String namespace, String name, Optional<BootcVm> vm, String problem) {
    }

    /** pb's validation, and no Secret reference: the file store has no Secrets. */
    @Override
    public void validate(BootcVm vm) {
        Validation.check(vm);
        if (vm.getSpec().getCloudInit() != null && vm.getSpec().getCloudInit().getSecretRef() != null) {
            throw Failure.InvalidCloudInit.with("BootcVm " + vm.getMetadata().getName() + ": spec.cloudInit.secretRef: the file store has no"
                    + " Secrets: give spec.cloudInit.path or userData instead, or use --store kube");
        }
    }

    @Override
    public BootcVm create(BootcVm vm) {
        validate(vm);
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        return locked(() -> {
            if (Files.exists(file(ns, name))) {
                throw Failure.AlreadyExists.with("BootcVm " + ns + "/" + name + " already exists: choose another name, or use apply to change it");
            }
            BootcVm stored = vm.copy();
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
        validate(vm);
        return locked(() -> {
            BootcVm current = current(vm);
            BootcVm next = current.copy();
            next.setSpec(vm.getSpec().copy());
            var m = next.getMetadata();
            m.setLabels(vm.getMetadata().getLabels());
            m.setAnnotations(vm.getMetadata().getAnnotations());
            m.setFinalizers(vm.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(vm.getMetadata().getFinalizers()));
            boolean specChanged = StoreSemantics.specChanged(current, next);
            if (!specChanged && !StoreSemantics.metadataChanged(current, next)) return current;
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
            BootcVm next = current.copy();
            next.setStatus(vm.getStatus() == null ? null : vm.getStatus().copy());
            if (!StoreSemantics.statusChanged(current, next)) return current;
            bump(next, current);
            write(next);
            return next;
        });
    }

    @Override
    public boolean delete(String namespace, String name) {
        return locked(() -> {
            Path f = file(namespace, name);
            if (!Files.exists(f)) return false;
            Optional<BootcVm> found;
            try {
                found = get(namespace, name);
            } catch (PbException e) {
                // a file that does not parse holds no finalizer to honour: deleting it is how it is cleaned up
                remove(f);
                return true;
            }
            if (found.isEmpty()) return false;
            BootcVm current = found.get();
            var m = current.getMetadata();
            if (m.getFinalizers() != null && !m.getFinalizers().isEmpty()) {
                if (m.getDeletionTimestamp() == null) {
                    BootcVm next = current.copy();
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

    /**
     * The resource in file {@code f} of a namespace folder. It is the one its path names: a path that is no pair of
     * DNS labels, or a metadata.name or namespace that differs from it (like {@code name: ../../x}), makes the file
     * a corrupt entry, so nothing ever builds a path or a key from what a file says of itself. A file without a
     * namespace is in its folder's.
     *
     * @throws PbException.Failed (StoreCorrupt) one line naming the file and what to do
     */
    static BootcVm parse(Path f, String text) {
        String ns = f.getParent().getFileName().toString();
        String name = nameOf(f);
        if (Validation.nameProblem("namespace", ns).isPresent() || Validation.nameProblem("name", name).isPresent()) {
            throw Failure.StoreCorrupt.with("Store file " + Validation.printable(f.toString()) + " is not named as a BootcVm"
                    + " (its folder and file name must be DNS labels, like default/web.yaml): rename or remove it");
        }
        BootcVm vm;
        try {
            vm = Json.fromYaml(text, BootcVm.class);
            if (vm == null || vm.getMetadata() == null || vm.getMetadata().getName() == null) {
                throw new IllegalArgumentException("no metadata.name");
            }
            if (vm.getSpec() == null) throw new IllegalArgumentException("no spec");
        } catch (RuntimeException e) {
            throw Failure.StoreCorrupt.with("Store file " + f + " does not parse (" + firstLine(e) + "): fix it, or remove it with pb rm -f " + name);
        }
        var m = vm.getMetadata();
        if (m.getNamespace() == null) m.setNamespace(ns);
        if (!ns.equals(m.getNamespace()) || !name.equals(m.getName())) {
            throw Failure.StoreCorrupt.with("Store file " + f + " holds BootcVm " + Validation.quote(m.getNamespace() + "/" + m.getName())
                    + ", not " + ns + "/" + name + " as its path says: fix its metadata.name and namespace, or remove it with pb rm -f " + name);
        }
        return vm;
    }

    private static String nameOf(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(SUFFIX) ? n.substring(0, n.length() - SUFFIX.length()) : n;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return (nl < 0 ? m : m.substring(0, nl)).strip();
    }

    private BootcVm current(BootcVm vm) {
        String ns = vm.getMetadata().getNamespace();
        String name = vm.getMetadata().getName();
        BootcVm current = get(ns, name).orElseThrow(() -> Failure.VmNotFound.with("BootcVm " + ns + "/" + name + " not found"));
        String rv = vm.getMetadata().getResourceVersion();
        if (rv == null || !rv.equals(current.getMetadata().getResourceVersion())) {
            throw Failure.Conflict.with("BootcVm " + ns + "/" + name + " was changed by someone else (resourceVersion "
                    + rv + ", stored " + current.getMetadata().getResourceVersion() + "): read it again and retry");
        }
        if (vm.getMetadata().getUid() != null && !vm.getMetadata().getUid().equals(current.getMetadata().getUid())) {
            throw Failure.Conflict.with("BootcVm " + ns + "/" + name + " was deleted and created again: read it again and retry");
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
        try {
            FileModes.privateFolders(root);
        } catch (IOException e) {
            throw Failure.StoreError.with("Cannot write to " + describe() + ": " + e.getMessage() + ": check that it is writable", e);
        }
        return HostLock.with(root.resolve(".lock"), action);
    }

    private void write(BootcVm vm) {
        Path target = file(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
        try {
            FileModes.privateFolders(target.getParent());
            if (sweeps.due(target.getParent())) AtomicFiles.removeTemps(target.getParent());
            // 0600: the spec may hold inline cloud-init user-data (passwords, keys)
            AtomicFiles.write(target, Json.yaml(vm).getBytes(StandardCharsets.UTF_8), FileModes.PRIVATE);
        } catch (IOException e) {
            throw Failure.StoreError.with("Cannot write " + target + ": " + e.getMessage() + ": check that it is writable", e);
        }
    }

    private void remove(BootcVm vm) {
        remove(file(vm.getMetadata().getNamespace(), vm.getMetadata().getName()));
    }

    private void remove(Path target) {
        try {
            Files.deleteIfExists(target);
            AtomicFiles.syncFolder(target.getParent());
        } catch (IOException e) {
            throw Failure.StoreError.with("Cannot remove " + target + ": " + e.getMessage(), e);
        }
    }
}
