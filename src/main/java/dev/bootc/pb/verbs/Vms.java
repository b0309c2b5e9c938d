package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.store.VmStore;
import dev.bootc.pb.store.Writes;

import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** The resources of one namespace of a store, as the verbs read and change them. */
public final class Vms {
    private final VmStore store;
    private final String namespace;

    public Vms(VmStore store, String namespace) {
        this.store = store;
        this.namespace = namespace;
    }

    public VmStore store() {
        return store;
    }

    public String namespace() {
        return namespace;
    }

    public VmKey key(String name) {
        return new VmKey(namespace, name);
    }

    public Optional<BootcVm> find(String name) {
        return store.get(namespace, name);
    }

    /** The VM of that name, or a not-found error that says how to list them. */
    public BootcVm require(String name) {
        return find(name).orElseThrow(() -> Failure.VmNotFound.with("VM " + name + " not found in namespace " + namespace
                + " of the " + store.describe() + ": see pb list"));
    }

    /** Reads, changes and writes a resource (the change returns null for nothing to write). */
    public BootcVm mutate(String name, UnaryOperator<BootcVm> change) {
        BootcVm after = Writes.withRetry(store, require(name), change, store::update);
        if (after == null) throw Failure.VmNotFound.with("VM " + name + " was removed meanwhile");
        return after;
    }

    /**
     * The node a new resource is for: its own spec.nodeName, else this host; recorded in the
     * {@link BootcVm#NODE_LABEL} label too, by which each node's operator watches only its own VMs.
     */
    static void assignNode(BootcVm vm, String node) {
        if (vm.getSpec().getNodeName() == null) vm.getSpec().setNodeName(node);
        var labels = vm.getMetadata().getLabels() == null ? new java.util.TreeMap<String, String>() : new java.util.TreeMap<>(vm.getMetadata().getLabels());
        labels.put(BootcVm.NODE_LABEL, vm.getSpec().getNodeName());
        vm.getMetadata().setLabels(labels);
    }

    /** Ready, for the generation it has now, and not in the middle of an update of its image. */
    static final Predicate<Optional<BootcVm>> UP = v -> v.isPresent() && v.get().getStatus() != null
            && v.get().getStatus().isTrue(Conditions.READY) && observedNow(v.get()) && v.get().getStatus().getPhase() != Phase.Updating;

    static final Predicate<Optional<BootcVm>> STOPPED = v -> v.isPresent() && v.get().getStatus() != null
            && v.get().getStatus().getPhase() == Phase.Stopped && observedNow(v.get());

    static final Predicate<Optional<BootcVm>> GONE = Optional::isEmpty;

    /** Ready or stopped, or gone: what apply --wait waits for. */
    static final Predicate<Optional<BootcVm>> SETTLED = GONE.or(UP).or(STOPPED);

    private static boolean observedNow(BootcVm vm) {
        return vm.getStatus().getObservedGeneration() != null && vm.getStatus().getObservedGeneration().equals(vm.getMetadata().getGeneration());
    }
}
