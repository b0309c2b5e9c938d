package dev.bootc.pb.driver;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one retry policy of every driver, for failures that may heal by waiting: 1 s, doubled after
 * each failure in a row, at most {@link #MAX}; a pass without a failure starts it over. Terminal
 * failures are not retried at all (see {@link dev.bootc.pb.api.Failure#terminal()}).
 */
public final class Backoff<K> {
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofMinutes(1);

    private final Map<K, Integer> failures = new ConcurrentHashMap<>();

    /** The wait before the next try after one more failure of {@code key}. */
    public Duration next(K key) {
        int n = failures.merge(key, 1, Integer::sum);
        long millis = FIRST.toMillis() << Math.min(n - 1, 20);
        return millis > MAX.toMillis() ? MAX : Duration.ofMillis(millis);
    }

    public void reset(K key) {
        failures.remove(key);
    }
}
