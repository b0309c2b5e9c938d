package dev.bootc.pb.ssh;

import dev.bootc.pb.api.Failure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks the host port a new VM's SSH is forwarded from: free on 127.0.0.1 right now and not held by
 * another pb VM (running or not; the caller passes the ports recorded in domain metadata). The range
 * lies below Linux's ephemeral ports (32768+), so outgoing connections do not take a stopped VM's
 * port. The caller records the port; it stays the VM's port from then on.
 */
public final class SshPortAllocator {
    public static final int DEFAULT_FIRST = 20022;
    public static final int DEFAULT_LAST = 29999;

    private static final InetAddress LOOPBACK = loopback();

    private final int first;
    private final int last;

    public SshPortAllocator() {
        this(DEFAULT_FIRST, DEFAULT_LAST);
    }

    public SshPortAllocator(int first, int last) {
        if (first < 1 || last > 65535 || first > last) throw new IllegalArgumentException("bad port range " + first + "-" + last);
        this.first = first;
        this.last = last;
    }

    /** A free port outside {@code inUse}; scanning from a random point so concurrent callers rarely collide. */
    public int allocate(Set<Integer> inUse) {
        return allocate(inUse::contains);
    }

    /** A port {@code taken} says is not taken and 127.0.0.1 can bind now, scanning from a random point. */
    public int allocate(java.util.function.IntPredicate taken) {
        int size = last - first + 1;
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < size; i++) {
            int port = first + (start + i) % size;
            if (!taken.test(port) && isFree(port)) return port;
        }
        throw Failure.NoFreePort.with("no free port for SSH in " + first + "-" + last + " on 127.0.0.1");
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether 127.0.0.1:port can be bound now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
