package dev.bootc.pb.ssh;

import dev.bootc.pb.api.PbException;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SshPortAllocatorTest {
    /** A small range with one port taken by a listener here and the rest but one held by "other VMs". */
    @Test
    void skipsPortsHeldByVmsAndPortsBoundNow() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int b = busy.getLocalPort();
            int first = b - 3, last = b + 3;
            Set<Integer> held = new HashSet<>();
            for (int p = first; p <= last; p++) if (p != b && p != b + 2) held.add(p);
            SshPortAllocator allocator = new SshPortAllocator(first, last);
            for (int i = 0; i < 20; i++) {
                assertEquals(b + 2, allocator.allocate(held), "the only port neither bound nor held");
            }
            assertFalse(SshPortAllocator.isFree(b));
            held.add(b + 2);
            PbException e = assertThrows(PbException.class, () -> allocator.allocate(held));
            assertEquals("NoFreePort", e.reason());
        }
    }

    @Test
    void defaultRangeStaysBelowEphemeralPorts() {
        int port = new SshPortAllocator().allocate(Set.of());
        assertTrue(port >= SshPortAllocator.DEFAULT_FIRST && port <= SshPortAllocator.DEFAULT_LAST);
        assertTrue(SshPortAllocator.DEFAULT_LAST < 32768);
        assertTrue(SshPortAllocator.isFree(port));
    }
}
