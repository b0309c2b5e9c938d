package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.driver.Convergence;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.reconcile.Ownership;
import dev.bootc.pb.reconcile.VmReconciler;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/** {@code pb stop}, {@code pb start} and {@code pb rm}: run strategy and deletion, then waiting until the VM settles. */
public final class Lifecycle {
    private final Vms vms;
    private final Convergence convergence;
    private final Domains domains;
    private final VmReconciler core;
    private final String node;
    private final Timeouts timeouts;

    /** How long a verb waits: for a VM to come up, to stop or go. */
    public record Timeouts(Duration up, Duration down) {
    }

    public Lifecycle(Vms vms, Convergence convergence, Domains domains, VmReconciler core, String node, Timeouts timeouts) {
        this.vms = vms;
        this.convergence = convergence;
        this.domains = domains;
        this.core = core;
        this.node = node;
        this.timeouts = timeouts;
    }

    /** runStrategy Halted, then waits for a graceful shutdown. */
    public BootcVm stop(String name, Consumer<String> progress) {
        setRunStrategy(name, RunStrategy.Halted);
        return convergence.await(vms.key(name), Vms.STOPPED, timeouts.down(), progress).orElseThrow();
    }

    /**
     * runStrategy Always, then boots on the same disk and waits for SSH. A VM that failed for good is
     * tried again: its run strategy goes through Halted, a change every driver sees.
     */
    public BootcVm start(String name, Consumer<String> progress) {
        BootcVm vm = vms.require(name);
        if (vm.getStatus() != null && vm.getStatus().condition(Conditions.READY)
                .map(c -> "False".equals(c.getStatus()) && Failure.isTerminal(c.getReason())).orElse(false)) {
            setRunStrategy(name, RunStrategy.Halted);
        }
        setRunStrategy(name, RunStrategy.Always);
        return awaitUp(name, progress);
    }

    BootcVm awaitUp(String name, Consumer<String> progress) {
        return convergence.await(vms.key(name), Vms.UP, timeouts.up(), progress).orElseThrow();
    }

    /** Removes a VM, its overlay disk and key (a running one only with force); an orphaned domain too. */
    public void remove(String name, boolean force, Consumer<String> progress) {
        Optional<BootcVm> found;
        try {
            found = vms.find(name);
        } catch (PbException e) {
            if (e.failure() != Failure.StoreCorrupt) throw e;
            // a file that does not parse: deleting it is how it is cleaned up (its domain goes as an orphan)
            vms.store().delete(vms.namespace(), name);
            removeOrphan(name, force);
            return;
        }
        if (found.isEmpty()) {
            if (!removeOrphan(name, force)) {
                throw Failure.VmNotFound.with("VM " + name + " not found in namespace " + vms.namespace() + ": see pb list");
            }
            return;
        }
        if (!force && isRunning(found.get())) {
            throw Failure.VmRunning.with("VM " + name + " is running: stop it first (pb stop " + name + "), or use pb rm -f " + name);
        }
        vms.store().delete(vms.namespace(), name);
        convergence.await(vms.key(name), Vms.GONE, timeouts.down(), progress);
    }

    /** Cleans up the orphaned domain of that name, through the core; false when there is none. */
    private boolean removeOrphan(String name, boolean force) {
        Optional<Domain> orphan;
        try {
            // only this store's: a domain of the other store, or one recording another owner, is no orphan of this name
            orphan = domains.find(core.layout().domainName(vms.key(name))).filter(d -> Ownership.isThisStores(d, core.layout()));
        } catch (PbException e) {
            return false;
        }
        if (orphan.isEmpty()) return false;
        if (!force && orphan.get().running()) {
            throw Failure.VmRunning.with("Orphaned VM " + name + " is running: use pb rm -f " + name);
        }
        core.removeOrphan(orphan.get());
        return true;
    }

    /** Sets spec.runStrategy; a no-op when it already has that value. */
    BootcVm setRunStrategy(String name, RunStrategy strategy) {
        return vms.mutate(name, v -> {
            if (v.getSpec().getRunStrategy() == strategy) return null;
            v.getSpec().setRunStrategy(strategy);
            return v;
        });
    }

    /** Whether the VM's domain runs now, as libvirt says; a VM of another node is not this host's libvirt's to say. */
    private boolean isRunning(BootcVm vm) {
        try {
            return domains.find(core.layout().domainName(VmKey.of(vm))).map(Domain::running).orElse(false);
        } catch (PbException e) {
            String owner = vm.getSpec().getNodeName();
            if (owner != null && !owner.equals(node)) return false;
            throw e;
        }
    }
}
