package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.VmKey;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * How a verb waits for a VM to reach what it asked: on the file store by reconciling in its own
 * process ({@link InProcessConvergence}); on a cluster by watching for the operator's status
 * ({@link WatchConvergence}). A terminal failure ends the wait at once, as the failure.
 */
public interface Convergence {

    /**
     * Until {@code done} holds for the stored resource (empty when it is gone), a terminal failure,
     * or the timeout. {@code progress} hears each new step once.
     */
    Optional<BootcVm> await(VmKey key, Predicate<Optional<BootcVm>> done, Duration timeout, Consumer<String> progress);
}
