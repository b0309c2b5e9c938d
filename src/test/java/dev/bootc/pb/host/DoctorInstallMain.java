package dev.bootc.pb.host;

import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.HostArch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM of {@link HostDoctorTest}: checks libvirt on a PATH without virsh, "installs" it by
 * linking the real virsh into that PATH, and checks again in the same JVM.
 */
public final class DoctorInstallMain {
    public static void main(String[] args) throws Exception {
        Path bin = Files.createDirectories(Path.of(args[0]));
        HostDoctor.Host host = new HostDoctor.Host(List.of(bin), Path.of("/etc/os-release"), List.of(), bin.resolve("conf.d"),
                bin.resolve("no-kvm"), false, false, HostArch.current(), ProcessRunner.local());
        HostDoctor d = new HostDoctor("test:///default", host);
        System.out.println("before: " + libvirtOk(d));
        Path virsh = List.of(Path.of("/usr/bin/virsh"), Path.of("/bin/virsh")).stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("virsh is not installed: run ./pb doctor --fix"));
        Files.createSymbolicLink(bin.resolve("virsh"), virsh);
        System.out.println("after: " + libvirtOk(d));
    }

    private static boolean libvirtOk(HostDoctor d) {
        return d.checks().stream().filter(c -> c.name().startsWith("libvirt at")).findFirst().orElseThrow().ok();
    }
}
