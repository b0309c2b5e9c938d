package dev.bootc.pb.libvirt;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HostArpTest {
    static final List<String> TABLE = List.of(
            "IP address       HW type     Flags       HW address            Mask     Device",
            "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0",
            "10.98.0.23       0x1         0x0         52:54:00:aa:bb:cc     *        pbt-br0",
            "10.98.0.24       0x1         0x2         52:54:00:AA:BB:CD     *        pbt-br0");

    @Test
    void aCompleteEntryOfTheMacGivesItsAddress() {
        assertEquals(Optional.of("10.98.0.24"), HostArp.parse(TABLE, "52:54:00:aa:bb:cd"));
    }

    @Test
    void anIncompleteEntryOrAnotherMacGivesNone() {
        assertEquals(Optional.empty(), HostArp.parse(TABLE, "52:54:00:aa:bb:cc"), "flags 0x0: the neighbour never answered");
        assertEquals(Optional.empty(), HostArp.parse(TABLE, "52:54:00:00:00:01"));
        assertEquals(Optional.empty(), HostArp.parse(List.of(), "52:54:00:00:00:01"));
    }
}
