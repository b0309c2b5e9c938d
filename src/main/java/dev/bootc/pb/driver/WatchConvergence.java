package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.store.VmStore;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A cluster's wait: the operator of the VM's node does the work; a watch wakes pb when the resource
 * changes, and a look every second covers a dropped watch. The pull policy is the operator's. The timeout
 * does not run while the operator pulls or builds the disk, and counts again from the domain's start ({@link Deadline}).
 */
public final class WatchConvergence implements Convergence {
    private final VmStore store;
    private final String node;

    public WatchConvergence(VmStore store, String node) {
        this.store = store;
        this.node = node;
    }

    @Override
    public Optional<BootcVm> await(VmKey key, Predicate<Optional<BootcVm>> done, Duration timeout,
                                   Consumer<String> progress) {
        BlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
        Deadline deadline = new Deadline(timeout);
        try (VmStore.Watch w = store.watch(key.namespace(), e -> {
            if (e.resource().getMetadata().getName().equals(key.name())) wake.offer(true);
        })) {
            String last = null;
            while (true) {
                Optional<BootcVm> vm = store.get(key.namespace(), key.name());
                String phase = vm.map(v -> v.getStatus() == null || v.getStatus().getPhase() == null ? "Pending" : v.getStatus().getPhase().name())
                        .orElse("gone");
                if (!phase.equals(last)) {
                    progress.accept(phase);
                    last = phase;
                }
                if (done.test(vm)) return vm;
                deadline.restartOnNewBoot(vm);
                if (Deadline.provisioning(vm)) deadline.restart();
                Optional<Condition> failed = vm.filter(v -> v.getStatus() != null && v.getStatus().getPhase() == Phase.Failed)
                        .flatMap(v -> v.getStatus().condition(Conditions.READY));
                if (failed.isPresent()) {
                    throw Failure.ofReason(failed.get().getReason()).orElse(Failure.Failed).with("VM " + key.name() + " failed: " + failed.get().getMessage());
                }
                if (deadline.passedIn(Duration.ZERO)) {
                    throw Failure.Timeout.with("VM " + key.name() + " did not settle within " + timeout.toSeconds() + " s (phase " + phase
                            + "): is pb operator running on node " + node + "?");
                }
                wake.poll(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("Interrupted while waiting for VM " + key.name());
        }
    }
}
