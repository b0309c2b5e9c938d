package dev.bootc.pb.os;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sweeps of a folder (for temp files that killed writers left) at most once an interval, not at every
 * write: a sweep lists the folder, and a folder of N VMs' files listed at every write makes N writes
 * cost N² (the reconcile benchmark spent a third of its CPU there).
 */
public final class Sweeps {
    private final long intervalNanos;
    private final Map<Path, Long> last = new ConcurrentHashMap<>();

    public Sweeps(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** Whether {@code dir} is due a sweep now; if so, it is not due again for an interval. */
    public boolean due(Path dir) {
        long now = System.nanoTime();
        boolean[] due = {false};
        last.compute(dir, (d, at) -> {
            if (at != null && now - at < intervalNanos) return at;
            due[0] = true;
            return now;
        });
        return due[0];
    }
}
