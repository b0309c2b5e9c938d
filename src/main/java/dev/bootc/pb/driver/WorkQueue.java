package dev.bootc.pb.driver;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * Keys to reconcile, each at most once in the queue (the earliest wish wins) and never handed to
 * two workers at once: a key that changes while a worker holds it runs again when it is done.
 */
final class WorkQueue<K> {
    private final DelayQueue<Item<K>> queue = new DelayQueue<>();
    private final Map<K, Item<K>> queued = new HashMap<>();
    private final Set<K> active = new HashSet<>();
    private final Set<K> dirty = new HashSet<>();

    private record Item<K>(K key, long due) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(due, ((Item<?>) o).due);
        }
    }

    synchronized void add(K key, Duration after) {
        // A change to a key a worker holds runs again right after it; a delayed wish (a requeue or a
        // back-off the worker asks for) waits its time like any other.
        if (active.contains(key) && after.isZero()) {
            dirty.add(key);
            return;
        }
        long due = System.nanoTime() + after.toNanos();
        Item<K> existing = queued.get(key);
        if (existing != null) {
            if (existing.due <= due) return;
            queue.remove(existing);
        }
        Item<K> item = new Item<>(key, due);
        queued.put(key, item);
        queue.add(item);
    }

    /** The next due key, or null after the timeout; the key is then active until {@link #done}. */
    K take(Duration timeout) throws InterruptedException {
        while (true) {
            Item<K> item = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (item == null) return null;
            synchronized (this) {
                if (queued.get(item.key) != item) continue;
                queued.remove(item.key);
                if (active.contains(item.key)) {
                    dirty.add(item.key);
                    continue;
                }
                active.add(item.key);
                return item.key;
            }
        }
    }

    synchronized void done(K key) {
        active.remove(key);
        if (dirty.remove(key)) add(key, Duration.ZERO);
    }

    synchronized int size() {
        return queued.size();
    }
}
