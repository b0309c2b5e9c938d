package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Phase;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long a verb waits for a VM, counted from when there is a guest to wait for: pulling an image and
 * building its base disk can take many minutes on a first run (a 2 GB pull, an installer VM under TCG)
 * and have their own progress and limits, so the wait starts again whenever the VM's domain starts
 * (a new {@code status.startedAt}) and does not run while the VM is still being pulled or built.
 */
final class Deadline {
    private final Duration timeout;
    private long end;
    private String startedAt;

    Deadline(Duration timeout) {
        this.timeout = timeout;
        restart();
    }

    void restart() {
        end = System.nanoTime() + timeout.toNanos();
    }

    /** Restarts the wait when the VM has booted anew since the last look. */
    void restartOnNewBoot(Optional<BootcVm> vm) {
        String now = vm.map(BootcVm::getStatus).map(s -> s.getStartedAt()).orElse(null);
        if (now != null && !Objects.equals(now, startedAt)) restart();
        startedAt = now;
    }

    /** Whether the wait is over after {@code wait} more. */
    boolean passedIn(Duration wait) {
        return System.nanoTime() + wait.toNanos() > end;
    }

    /** Whether the VM is still being pulled or its disk built. */
    static boolean provisioning(Optional<BootcVm> vm) {
        Phase p = vm.map(BootcVm::getStatus).map(s -> s.getPhase()).orElse(null);
        return p == Phase.Pulling || p == Phase.BuildingDisk;
    }
}
