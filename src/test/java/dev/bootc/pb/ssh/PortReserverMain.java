package dev.bootc.pb.ssh;

import dev.bootc.pb.port.Ssh.HostPort;
import dev.bootc.pb.port.Ssh.Reservation;

import java.nio.file.Path;
import java.util.List;

/**
 * Another process reserving host ports in one registry ({@link PortRegistryTest}): for i in 0..N-1, owner
 * {@code default/SIDEi} asks for tcp 9300+i; prints "won i" or "lost i".
 */
public final class PortReserverMain {
    private PortReserverMain() {
    }

    public static void main(String[] args) {
        PortRegistry r = new PortRegistry(Path.of(args[0]), new SshPortAllocator(41200, 41999));
        String side = args[1];
        int n = Integer.parseInt(args[2]);
        for (int i = 0; i < n; i++) {
            Reservation res = r.reserve("default/" + side + i, null, List.of(HostPort.tcp(9300 + i)));
            System.out.println((res.conflict() == null ? "won " : "lost ") + i);
        }
    }
}
