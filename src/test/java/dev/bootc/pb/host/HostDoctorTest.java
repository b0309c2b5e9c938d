package dev.bootc.pb.host;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.HostArch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pb doctor on hosts it cannot touch: what it checks and the commands it would run on apt and dnf hosts. */
class HostDoctorTest {
    @TempDir
    Path tmp;

    private Path osRelease(String text) throws IOException {
        Path f = tmp.resolve("os-release-" + text.hashCode());
        Files.writeString(f, text);
        return f;
    }

    /** A host with nothing installed: an empty PATH, no firmware descriptors; the runner fails every program. */
    private HostDoctor bareHost(String osRelease, boolean systemd) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        ProcessRunner none = c -> new ProcessResult(c, 127, "", c.program() + ": not found", Duration.ZERO, false);
        return new HostDoctor("qemu:///system", new HostDoctor.Host(List.of(bin), osRelease(osRelease), List.of(tmp.resolve("fw")),
                tmp.resolve("containers.conf.d"), tmp.resolve("no-kvm"), true, systemd, HostArch.X86_64, none));
    }

    @Test
    void detectsTheFamilyFromOsRelease() throws IOException {
        assertEquals(PackageManager.APT, PackageManager.detect(osRelease("ID=debian\nVERSION_ID=\"12\"\n"), e -> false));
        assertEquals(PackageManager.APT, PackageManager.detect(osRelease("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n"), e -> false));
        assertEquals(PackageManager.DNF, PackageManager.detect(osRelease("ID=fedora\nVERSION_ID=42\n"), e -> false));
        assertEquals(PackageManager.DNF, PackageManager.detect(osRelease("ID=\"centos\"\nID_LIKE=\"rhel fedora\"\n"), e -> false));
        assertEquals(PackageManager.DNF, PackageManager.detect(osRelease("ID=\"rhel\"\nID_LIKE=\"fedora\"\n"), e -> false));
        assertEquals(PackageManager.DNF, PackageManager.detect(tmp.resolve("none"), "dnf"::equals));
        assertNull(PackageManager.detect(tmp.resolve("none"), e -> false));
    }

    @Test
    void onAFreshDebianHostItInstallsEverythingWithApt() throws IOException {
        HostDoctor d = bareHost("ID=debian\n", false);
        List<HostDoctor.Finding> checks = d.findings();
        assertTrue(checks.stream().filter(HostDoctor.Finding::required).noneMatch(HostDoctor.Finding::ok), checks.toString());
        assertEquals(List.of(
                List.of("apt-get", "update", "-qq"),
                List.of("apt-get", "install", "-y", "-qq", "podman", "runc", "qemu-utils", "qemu-system-x86", "openssh-client",
                        "ovmf", "swtpm", "swtpm-tools", "genisoimage", "uidmap", "dnsmasq-base", "dnsmasq-utils", "libvirt-daemon-system", "libvirt-clients")),
                d.installCommands(checks));
        HostDoctor.Finding libvirt = checks.stream().filter(c -> c.name().startsWith("libvirt")).findFirst().orElseThrow();
        assertEquals("apt-get install -y -qq libvirt-daemon-system libvirt-clients && virtlogd -d && libvirtd -d", libvirt.fix());
    }

    @Test
    void onAFreshFedoraHostItInstallsEverythingWithDnf() throws IOException {
        HostDoctor d = bareHost("NAME=\"Fedora Linux\"\nID=fedora\n", true);
        assertEquals(PackageManager.DNF, d.packageManager());
        assertEquals(List.of(List.of("dnf", "install", "-y", "-q", "podman", "qemu-img", "qemu-kvm", "openssh-clients", "edk2-ovmf",
                        "swtpm", "swtpm-tools", "xorriso", "shadow-utils", "dnsmasq", "dnsmasq-utils", "libvirt-daemon-kvm", "libvirt-client")),
                d.installCommands(d.findings()));
        assertEquals(List.of("virtiofsd"), PackageManager.DNF.packages(PackageManager.Need.VIRTIOFSD, "x86_64"));
    }

    @Test
    void aarch64GetsItsOwnQemuAndFirmware() {
        assertEquals(List.of("qemu-system-arm"), PackageManager.APT.packages(PackageManager.Need.QEMU_SYSTEM, "aarch64"));
        assertEquals(List.of("qemu-efi-aarch64"), PackageManager.APT.packages(PackageManager.Need.UEFI_FIRMWARE, "aarch64"));
        assertEquals(List.of("edk2-aarch64"), PackageManager.DNF.packages(PackageManager.Need.UEFI_FIRMWARE, "aarch64"));
    }

    @Test
    void nothingToInstallMeansNoCommand() {
        assertEquals(List.of(), PackageManager.APT.installCommands(List.of(), "x86_64"));
        assertEquals(List.of(), PackageManager.DNF.installCommands(List.of(), "x86_64"));
    }

    @Test
    void firmwareIsFoundThroughQemuDescriptorsNotPaths() throws IOException {
        Path fw = Files.createDirectories(tmp.resolve("fw"));
        Files.writeString(fw.resolve("60-edk2-x86_64.json"), """
                {"description": "UEFI firmware for x86_64", "interface-types": ["uefi"],
                 "mapping": {"device": "flash", "executable": {"filename": "/anywhere/CODE.qcow2", "format": "qcow2"}},
                 "targets": [{"architecture": "x86_64", "machines": ["pc-q35-*"]}], "features": ["acpi-s3"], "tags": []}
                """);
        HostDoctor d = bareHost("ID=fedora\n", true);
        HostDoctor.Finding uefi = d.findings().stream().filter(c -> c.name().equals("UEFI firmware")).findFirst().orElseThrow();
        assertTrue(uefi.ok(), uefi.toString());
        assertTrue(uefi.detail().contains("none with Secure Boot keys enrolled"), uefi.detail());
    }

    @Test
    void aPodmanThatCannotStartAContainerIsReportedWithTheFix() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin2"));
        for (String exe : List.of("podman", "runc")) {
            Path f = bin.resolve(exe);
            Files.writeString(f, "");
            f.toFile().setExecutable(true);
        }
        List<List<String>> ran = new ArrayList<>();
        ProcessRunner crunFails = c -> {
            ran.add(c.argv());
            return new ProcessResult(c, 126, "", "Error: crun: setrlimit `RLIMIT_NPROC`: Operation not permitted: OCI permission denied",
                    Duration.ZERO, false);
        };
        HostDoctor d = new HostDoctor("test:///default", new HostDoctor.Host(List.of(bin), osRelease("ID=debian\n"), List.of(),
                tmp.resolve("conf.d"), tmp.resolve("no-kvm"), true, false, HostArch.X86_64, crunFails));
        HostDoctor.Finding podman = d.findings().stream().filter(c -> c.name().equals("podman can run a container")).findFirst().orElseThrow();
        assertFalse(podman.ok());
        assertTrue(podman.detail().contains("OCI permission denied"), podman.detail());
        assertTrue(podman.fix().contains("runtime = \"runc\""), podman.fix());
        assertTrue(ran.contains(List.of("podman", "run", "--rm", "--network", "none", "--rootfs", "/:O", "/bin/true")), ran.toString());
        d.fix(line -> { });
        assertEquals(HostDoctor.PODMAN_DROP_IN_TEXT, Files.readString(tmp.resolve("conf.d").resolve(HostDoctor.PODMAN_DROP_IN)));
    }

    /**
     * The fresh-machine bug: libvirt checked while missing, then installed, then checked again in the
     * same JVM must pass. A child JVM, so that nothing this test JVM loaded before counts.
     */
    @Test
    void libvirtCheckedBeforeAndAfterInstallingInOneJvm() throws Exception {
        Path log = tmp.resolve("child.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class", "-cp", System.getProperty("java.class.path"), DoctorInstallMain.class.getName(),
                tmp.resolve("child-bin").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code = p.waitFor();
        String out = Files.readString(log);
        assertEquals(0, code, out);
        assertTrue(out.contains("before: false"), out);
        assertTrue(out.contains("after: true"), out);
        assertFalse(out.contains("org.libvirt."), "the doctor loaded libvirt-java:\n" + out.lines().filter(l -> l.contains("org.libvirt.")).toList());
    }
}
