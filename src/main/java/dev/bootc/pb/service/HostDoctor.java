package dev.bootc.pb.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Checks what the host needs to run VMs, says how to fix what is missing, and can fix it. */
public final class HostDoctor {
    /** One check: what, whether it holds, a detail, and the packages / command that fix it. */
    public record Check(String name, boolean ok, boolean required, String detail, List<String> packages, String fix) {
    }

    private final String libvirtUri;

    public HostDoctor(String libvirtUri) {
        this.libvirtUri = libvirtUri;
    }

    public List<Check> checks() {
        List<Check> out = new ArrayList<>();
        out.add(program("podman", "podman", List.of("podman", "runc")));
        out.add(program("qemu-img", "qemu-img", List.of("qemu-utils")));
        out.add(program("qemu-system-x86_64", "qemu-system-x86_64", List.of("qemu-system-x86")));
        out.add(program("ssh client", "ssh", List.of("openssh-client")));
        boolean ovmf = Files.isReadable(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"));
        out.add(new Check("OVMF (UEFI firmware)", ovmf, true, ovmf ? "/usr/share/OVMF/OVMF_CODE_4M.fd" : "missing",
                List.of("ovmf"), "apt-get install -y ovmf"));
        Path virtiofsd = dev.bootc.pb.libvirt.VirtiofsMounts.findVirtiofsd().orElse(null);
        out.add(new Check("virtiofsd (for --volume)", virtiofsd != null, false, virtiofsd != null ? virtiofsd.toString() : "missing: --volume will not work",
                List.of(), "apt-get install -y virtiofsd (Debian 13) or qemu-system-common (Debian 12)"));
        out.add(libvirt());
        boolean kvm = dev.bootc.pb.libvirt.Accel.hostSupportsKvm();
        out.add(new Check("KVM", kvm, false, kvm ? "usable" : "not usable: VMs run under TCG emulation (slower)", List.of(),
                "enable virtualization (vmx/svm) for this machine"));
        return out;
    }

    /** Installs missing packages with apt-get and starts libvirt where no init system does. */
    public List<Check> fix(Consumer<String> progress) throws IOException, InterruptedException {
        Set<String> packages = new LinkedHashSet<>();
        List<Check> before = checks();
        for (Check c : before) if (!c.ok() && c.required()) packages.addAll(c.packages());
        if (!packages.isEmpty()) {
            if (!onPath("apt-get")) {
                progress.accept("No apt-get on this host: install " + String.join(" ", packages) + " with your package manager");
            } else {
                progress.accept("Installing " + String.join(" ", packages));
                run(List.of("apt-get", "update", "-qq"), progress);
                List<String> cmd = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq"));
                cmd.addAll(packages);
                run(cmd, progress);
            }
        }
        if (!libvirt().ok() && libvirtUri.startsWith("qemu:///system")) {
            if (systemdIsInit()) {
                run(List.of("systemctl", "start", "libvirtd"), progress);
            } else {
                progress.accept("Starting virtlogd and libvirtd (no init system)");
                if (!running("virtlogd")) run(List.of("virtlogd", "-d"), progress);
                if (!running("libvirtd")) run(List.of("libvirtd", "-d"), progress);
                for (int i = 0; i < 50 && !libvirt().ok(); i++) Thread.sleep(100);
            }
        }
        return checks();
    }

    private Check libvirt() {
        String error = null;
        try {
            org.libvirt.Connect c = new org.libvirt.Connect(libvirtUri);
            c.close();
        } catch (Throwable e) {
            error = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
        }
        boolean ok = error == null;
        String fix = systemdIsInit() ? "apt-get install -y libvirt-daemon-system libvirt-clients && systemctl start libvirtd"
                : "apt-get install -y libvirt-daemon-system libvirt-clients && virtlogd -d && libvirtd -d";
        return new Check("libvirt at " + libvirtUri, ok, true, ok ? "reachable" : error,
                List.of("libvirt-daemon-system", "libvirt-clients"), fix);
    }

    private static Check program(String name, String exe, List<String> packages) {
        Path p = which(exe);
        return new Check(name, p != null, true, p != null ? p.toString() : "missing", packages, "apt-get install -y " + String.join(" ", packages));
    }

    static Path which(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            Path p = Path.of(dir, exe);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static boolean onPath(String exe) {
        return which(exe) != null;
    }

    static boolean systemdIsInit() {
        try {
            return Files.readString(Path.of("/proc/1/comm")).trim().equals("systemd");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean running(String process) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pgrep", "-x", process).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private static void run(List<String> cmd, Consumer<String> progress) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) progress.accept("  " + line);
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            progress.accept(String.join(" ", cmd) + " failed");
        }
    }
}
