package dev.bootc.pb.host;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.host.PackageManager.Need;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.HostSetup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checks what the host needs to run VMs, says how to fix what is missing, and can fix it.
 *
 * <p>Every check runs a program or reads a file; none loads a native library into this JVM. A
 * failed class initialisation (libvirt-java before libvirt0 is installed) sticks for the life of the
 * JVM, so a check done that way before {@code --fix} installs the library would still fail after it.
 */
public final class HostDoctor implements HostSetup {
    /** One check: what, whether it holds, a detail, what installs it, and the fix to print. */
    public record Finding(String name, boolean ok, boolean required, String detail, List<Need> needs, String fix) {
        Check check() {
            return new Check(name, ok, required, detail, fix);
        }
    }

    /** What the doctor may see and touch; {@link Host#system(boolean)} is this host. */
    public record Host(List<Path> path, Path osRelease, List<Path> firmwareDirs, Path containersConfDir, Path devKvm, boolean root,
                       boolean systemd, HostArch arch, ProcessRunner runner) {
        public static Host system(boolean root) {
            String p = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
            List<Path> dirs = new ArrayList<>();
            for (String d : (p + ":/usr/sbin:/sbin").split(":")) if (!d.isEmpty()) dirs.add(Path.of(d));
            return new Host(dirs, Path.of("/etc/os-release"), FirmwareDescriptors.DEFAULT_DIRS,
                    Path.of("/etc/containers/containers.conf.d"), Path.of("/dev/kvm"), root,
                    systemdIsInit(), HostArch.current(), ProcessRunner.local());
        }

        Path which(String exe) {
            for (Path dir : path) {
                Path f = dir.resolve(exe);
                if (Files.isExecutable(f)) return f;
            }
            return null;
        }
    }

    /** The drop-in {@code --fix} writes when podman's default runtime cannot start a container here. */
    static final String PODMAN_DROP_IN = "pb.conf";
    static final String PODMAN_DROP_IN_TEXT = """
            # written by pb doctor --fix: the default OCI runtime could not start a container on this host
            [engine]
            runtime = "runc"

            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            """;

    private final String libvirtUri;
    private final Host host;
    private final PackageManager pm;

    public HostDoctor(String libvirtUri, Host host) {
        this.libvirtUri = libvirtUri;
        this.host = host;
        this.pm = PackageManager.detect(host.osRelease(), exe -> host.which(exe) != null);
    }

    /** The package manager family found on this host, or null. */
    public PackageManager packageManager() {
        return pm;
    }

    @Override
    public List<Check> checks() {
        return findings().stream().map(Finding::check).toList();
    }

    /** Every check, with the packages that would fix it. */
    public List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        out.add(program("podman", "podman", Need.PODMAN));
        if (host.which("podman") != null) out.add(podmanRuns());
        out.add(program("qemu-img", "qemu-img", Need.QEMU_IMG));
        out.add(program(host.arch().emulator(), host.arch().emulator(), Need.QEMU_SYSTEM));
        out.add(program("ssh client", "ssh", Need.SSH_CLIENT));
        out.add(firmware());
        out.add(program("swtpm (TPM 2.0 emulator)", "swtpm", Need.SWTPM));
        out.add(isoTool());
        Path virtiofsd = Virtiofsd.find().orElse(null);
        // without root, base disks are built in an installer VM whose root file system is shared with virtiofsd
        out.add(new Finding(host.root() ? "virtiofsd (for --volume)" : "virtiofsd (base disks, -v)", virtiofsd != null, !host.root(),
                virtiofsd != null ? virtiofsd.toString() : host.root() ? "missing: --volume will not work"
                        : "missing: base disks cannot be built without root", List.of(Need.VIRTIOFSD),
                (host.root() ? "" : "as root: ") + hint(List.of(Need.VIRTIOFSD))));
        out.add(program("newuidmap (rootless podman)", "newuidmap", Need.UIDMAP));
        Path release = host.which("dhcp_release");
        out.add(new Finding("dhcp_release (libvirt networks)", release != null, false, release != null ? release.toString()
                : "missing: pb rm leaves a VM's DHCP lease on its libvirt network until it expires", List.of(Need.DHCP_RELEASE), hint(List.of(Need.DHCP_RELEASE))));
        if (!host.root()) {
            out.addAll(Rootless.findings(System.getProperty("user.name"), Path.of("/etc/subuid"), Path.of("/etc/subgid"), Path.of("/dev/kvm")));
        }
        out.add(libvirt());
        // root's libvirt runs QEMU as another user: a /dev/kvm that user cannot open makes libvirt probe QEMU on every call
        if (host.root() && libvirtUri.startsWith("qemu:///system")) {
            KvmDevice.finding(host.devKvm(), Path.of("/etc/libvirt/qemu.conf"), host.runner()).ifPresent(out::add);
        }
        boolean kvm = AccelDetection.hostSupportsKvm();
        out.add(new Finding("KVM", kvm, false, kvm ? "usable" : "not usable: VMs run under TCG emulation (slower)", List.of(),
                "enable virtualization (vmx/svm) for this machine"));
        return out;
    }

    /** The commands {@code --fix} runs for these checks, in order: installs, then the podman drop-in is separate. */
    public List<List<String>> installCommands(List<Finding> checks) {
        if (pm == null) return List.of();
        Set<Need> needs = new LinkedHashSet<>();
        // a missing optional program too (dhcp_release, virtiofsd for root's --volume): what pb can use, --fix installs
        for (Finding c : checks) if (!c.ok()) needs.addAll(c.needs());
        return pm.installCommands(needs, host.arch().archName());
    }

    /** The commands that start libvirt for {@code qemu:///system} on this host. */
    public List<List<String>> libvirtStartCommands() {
        if (host.systemd()) {
            boolean modular = Files.exists(Path.of("/usr/lib/systemd/system/virtqemud.socket"))
                    || Files.exists(Path.of("/lib/systemd/system/virtqemud.socket"));
            return modular ? List.of(List.of("systemctl", "enable", "--now", "virtqemud.socket", "virtlogd.socket"))
                    : List.of(List.of("systemctl", "enable", "--now", "libvirtd"));
        }
        List<List<String>> out = new ArrayList<>();
        if (!running("virtlogd")) out.add(List.of("virtlogd", "-d"));
        if (!running("libvirtd")) out.add(List.of("libvirtd", "-d"));
        return out;
    }

    /** Installs what is missing, sets podman up where its default runtime fails, starts libvirt; then checks again. */
    @Override
    public List<Check> fix(Consumer<String> progress) {
        try {
            fixFindings(progress);
        } catch (IOException e) {
            throw dev.bootc.pb.api.Failure.Failed.with("pb doctor --fix: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw dev.bootc.pb.api.Failure.Interrupted.with("pb doctor --fix was interrupted");
        }
        return checks();
    }

    private void fixFindings(Consumer<String> progress) throws IOException, InterruptedException {
        List<Finding> before = findings();
        List<List<String>> installs = installCommands(before);
        if (!installs.isEmpty()) {
            if (!host.root()) {
                progress.accept("Installing packages needs root: sudo " + String.join(" ", fixCommandLine()));
            } else {
                for (List<String> cmd : installs) run(cmd, progress, Duration.ofMinutes(30));
            }
        } else if (pm == null && before.stream().anyMatch(c -> !c.ok() && c.required())) {
            progress.accept("Neither apt-get nor dnf on this host: install the missing programs with your package manager");
        }
        if (host.root() && host.which("podman") != null && !podmanRuns().ok()) fixPodman(progress);
        if (libvirtUri.startsWith("qemu:///system") && !libvirt().ok()) {
            if (!host.root()) {
                progress.accept("Starting the system libvirt needs root: sudo " + String.join(" ", fixCommandLine()));
            } else {
                progress.accept("Starting libvirt" + (host.systemd() ? "" : " (no init system: virtlogd -d, libvirtd -d)"));
                for (List<String> cmd : libvirtStartCommands()) run(cmd, progress, Duration.ofMinutes(1));
                for (int i = 0; i < 100 && !libvirt().ok(); i++) Thread.sleep(100);
            }
        }
    }

    private static List<String> fixCommandLine() {
        return List.of("pb", "doctor", "--fix");
    }

    private void fixPodman(Consumer<String> progress) throws IOException {
        if (host.which("runc") == null) {
            progress.accept("podman cannot start a container and runc is not installed: " + hint(List.of(Need.PODMAN)));
            return;
        }
        if (!host.root()) {
            progress.accept("podman cannot start a container: as root, write " + host.containersConfDir().resolve(PODMAN_DROP_IN));
            return;
        }
        Files.createDirectories(host.containersConfDir());
        Path f = host.containersConfDir().resolve(PODMAN_DROP_IN);
        Files.writeString(f, PODMAN_DROP_IN_TEXT);
        progress.accept("podman's default runtime failed: wrote " + f + " (runtime runc, explicit ulimits)");
    }

    /** A container really starts: an overlay on the host's own / as its root, so no image is needed and nothing is written to the host. */
    private Finding podmanRuns() {
        if (!host.root()) return podmanUserNamespace();
        ProcessResult r;
        try {
            r = host.runner().run(Command.of("podman", "run", "--rm", "--network", "none", "--rootfs", "/:O", "/bin/true")
                    .timeout(Duration.ofMinutes(1)));
        } catch (PbException e) {
            r = null;
        }
        boolean ok = r != null && r.ok();
        String detail = ok ? "runs containers" : r == null ? "cannot start podman" : "cannot start a container: " + oneLine(r);
        String fix = "write " + host.containersConfDir().resolve(PODMAN_DROP_IN) + " with [engine] runtime = \"runc\" and "
                + "[containers] default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"] (pb doctor --fix does)";
        return new Finding("podman can run a container", ok, true, detail, List.of(Need.PODMAN), fix);
    }

    /**
     * Without root pb runs no container of its own making (the --rootfs check above needs an overlay of /, which a
     * user namespace refuses): what it needs is podman's user namespace, where the image's files are mounted.
     */
    private Finding podmanUserNamespace() {
        ProcessResult r;
        try {
            r = host.runner().run(Command.of("podman", "unshare", "true").timeout(Duration.ofMinutes(1)));
        } catch (PbException e) {
            r = null;
        }
        boolean ok = r != null && r.ok();
        String detail = ok ? "podman unshare works" : r == null ? "cannot start podman" : "podman unshare fails: " + oneLine(r);
        return new Finding("podman without root", ok, true, detail, List.of(Need.UIDMAP),
                "as root: pb doctor --fix (installs uidmap), and give this user subordinate ids (see below)");
    }

    private static String oneLine(ProcessResult r) {
        String tail = r.timedOut() ? "timed out" : r.errorTail(1).strip();
        return tail.isEmpty() ? "exit " + r.exitCode() : tail;
    }

    private Finding firmware() {
        String arch = host.arch().archName();
        FirmwareDescriptors fw = FirmwareDescriptors.load(host.firmwareDirs());
        boolean ok = fw.hasUefi(arch);
        String detail = ok ? fw.uefi(arch).size() + " UEFI build(s) described in " + host.firmwareDirs().get(0)
                + (fw.hasSecureEnrolled(arch) ? ", Secure Boot with enrolled keys among them" : ", none with Secure Boot keys enrolled")
                : "no UEFI firmware descriptor for " + arch + " in " + host.firmwareDirs();
        return new Finding("UEFI firmware", ok, true, detail, List.of(Need.UEFI_FIRMWARE), hint(List.of(Need.UEFI_FIRMWARE)));
    }

    /** libvirt through virsh, a process of its own: this JVM never loads libvirt-java here. */
    private Finding libvirt() {
        String fixStart = host.systemd() ? "systemctl enable --now libvirtd" : "virtlogd -d && libvirtd -d";
        String fix = (host.which("virsh") == null ? hint(List.of(Need.LIBVIRT)) + " && " : "") + fixStart;
        if (host.which("virsh") == null) {
            return new Finding("libvirt at " + libvirtUri, false, true, "missing (no virsh, no libvirt client library)",
                    List.of(Need.LIBVIRT), fix);
        }
        ProcessResult r;
        try {
            r = host.runner().run(Command.of(host.which("virsh").toString(), "-c", libvirtUri, "uri").timeout(Duration.ofSeconds(20)));
        } catch (PbException e) {
            return new Finding("libvirt at " + libvirtUri, false, true, e.getMessage(), List.of(Need.LIBVIRT), fix);
        }
        boolean ok = r.ok();
        return new Finding("libvirt at " + libvirtUri, ok, true, ok ? "reachable" : oneLine(r), List.of(Need.LIBVIRT), fix);
    }

    private Finding program(String name, String exe, Need need) {
        Path p = host.which(exe);
        return new Finding(name, p != null, true, p != null ? p.toString() : "missing", List.of(need), hint(List.of(need)));
    }

    /** A mkisofs for cloud-init's CIDATA seeds (--cloudinit, spec.cloudInit): genisoimage, or xorriso's xorrisofs. */
    private Finding isoTool() {
        for (String exe : List.of("genisoimage", "xorrisofs", "mkisofs", "xorriso")) {
            Path p = host.which(exe);
            if (p != null) return new Finding("ISO tool (cloud-init seeds)", true, true, p.toString(), List.of(Need.ISO_TOOL), hint(List.of(Need.ISO_TOOL)));
        }
        return new Finding("ISO tool (cloud-init seeds)", false, true, "missing: --cloudinit will not work", List.of(Need.ISO_TOOL),
                hint(List.of(Need.ISO_TOOL)));
    }

    private String hint(List<Need> needs) {
        if (pm == null) return "install " + String.join(" ", PackageManager.APT.packages(needs.get(0), host.arch().archName()))
                + " (Debian) or " + String.join(" ", PackageManager.DNF.packages(needs.get(0), host.arch().archName())) + " (Fedora)";
        return pm.installHint(needs, host.arch().archName());
    }

    static boolean systemdIsInit() {
        try {
            return Files.readString(Path.of("/proc/1/comm")).trim().equals("systemd");
        } catch (IOException e) {
            return false;
        }
    }

    private boolean running(String process) {
        try {
            return host.runner().run(Command.of("pgrep", "-x", process).timeout(Duration.ofSeconds(10))).ok();
        } catch (PbException e) {
            return false;
        }
    }

    private void run(List<String> cmd, Consumer<String> progress, Duration timeout) {
        progress.accept("$ " + String.join(" ", cmd));
        Command c = Command.of(cmd).timeout(timeout).env("DEBIAN_FRONTEND", "noninteractive")
                .onOutput((stream, line) -> progress.accept("  " + line));
        try {
            ProcessResult r = host.runner().run(c);
            if (!r.ok()) progress.accept(String.join(" ", cmd) + " failed (" + (r.timedOut() ? "timed out" : "exit " + r.exitCode()) + ")");
        } catch (PbException e) {
            progress.accept(e.getMessage());
        }
    }
}
