package dev.bootc.pb.store;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.port.Secrets;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where BootcVm resources (the desired state) live, with the Kubernetes semantics a reconciler relies
 * on: uid, creationTimestamp, resourceVersion checked on every write (a stale write is a
 * {@link dev.bootc.pb.api.PbException} of {@link dev.bootc.pb.api.Failure#Conflict}), generation bumped by spec changes only, status written
 * apart from spec, finalizers and deletionTimestamp, and a watch.
 */
public interface VmStore extends AutoCloseable {

    /** What the store is, for messages: "file store /var/lib/pb/store" or "Kubernetes cluster ...". */
    String describe();

    Optional<BootcVm> get(String namespace, String name);

    /** Every resource of a namespace, or of all namespaces when namespace is null, sorted by namespace and name. */
    List<BootcVm> list(String namespace);

    /** Resources of a namespace (all when null) that exist but cannot be read, with why: none on a cluster, whose server refuses such writes. */
    default List<Unreadable> unreadable(String namespace) {
        return List.of();
    }

    /** A resource that is there but cannot be read (a hand-broken file, say). */
    record Unreadable(String namespace, String name, String problem) {
    }

    /** Refuses (one line, exit 2) what this store cannot hold: pb's validation, and what the store adds to it. */
    default void validate(BootcVm vm) {
        Validation.check(vm);
    }

    /** The Secrets of the store's namespaces, which a BootcVm's cloud-init may name: none, unless the store has some. */
    default Secrets secrets() {
        return Secrets.NONE;
    }

    /** Creates the resource; a taken name is a conflict. Returns what was stored. */
    BootcVm create(BootcVm vm);

    /**
     * Writes metadata (labels, annotations, finalizers) and spec; status is ignored. The resourceVersion
     * of the argument must be the stored one. When the resource is being deleted and this removes its
     * last finalizer, the resource goes away and the returned value is the last state.
     */
    BootcVm update(BootcVm vm);

    /** Writes the status only; the resourceVersion of the argument must be the stored one. */
    BootcVm updateStatus(BootcVm vm);

    /**
     * Deletes the resource: with finalizers it is only marked (deletionTimestamp); without, it is removed.
     * Returns false when there was nothing to delete.
     */
    boolean delete(String namespace, String name);

    /** Delivers add/update/delete events of a namespace (all namespaces when null) until closed. */
    Watch watch(String namespace, Consumer<WatchEvent> listener);

    @Override
    void close();

    /** An open watch. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /** A change seen by a watch. For DELETED the resource is its last known state. */
    record WatchEvent(Type type, BootcVm resource) {
        public enum Type { ADDED, MODIFIED, DELETED }
    }
}
