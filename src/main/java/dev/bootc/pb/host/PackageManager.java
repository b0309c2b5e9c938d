package dev.bootc.pb.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/** The host's package manager: which packages give what pb needs, and the commands that install them. */
public enum PackageManager {
    /** Debian, Ubuntu and derivatives. */
    APT,
    /** Fedora, CentOS Stream, RHEL and derivatives. */
    DNF;

    /** One thing the host needs, independent of how a distribution packages it. */
    public enum Need {
        PODMAN, QEMU_IMG, QEMU_SYSTEM, SSH_CLIENT, UEFI_FIRMWARE, LIBVIRT, SWTPM, VIRTIOFSD, ISO_TOOL, UIDMAP, DHCP_RELEASE
    }

    /** The packages that give {@code need} on this family, for a host of architecture {@code arch} (uname -m). */
    public List<String> packages(Need need, String arch) {
        boolean arm = arch.equals("aarch64");
        return switch (this) {
            case APT -> switch (need) {
                case PODMAN -> List.of("podman", "runc");
                case QEMU_IMG -> List.of("qemu-utils");
                case QEMU_SYSTEM -> List.of(arm ? "qemu-system-arm" : "qemu-system-x86");
                case SSH_CLIENT -> List.of("openssh-client");
                case UEFI_FIRMWARE -> List.of(arm ? "qemu-efi-aarch64" : "ovmf");
                case LIBVIRT -> List.of("libvirt-daemon-system", "libvirt-clients");
                case SWTPM -> List.of("swtpm", "swtpm-tools");
                // Debian 12 ships virtiofsd inside qemu-system-common (a dependency of qemu-system-*).
                case VIRTIOFSD -> List.of("qemu-system-common");
                // genisoimage gives isoinfo too (what a person reads a seed back with)
                case ISO_TOOL -> List.of("genisoimage");
                case UIDMAP -> List.of("uidmap");
                // libvirt networks' DHCP server, and dhcp_release, which pb rm tells it a removed guest's lease is free with
                case DHCP_RELEASE -> List.of("dnsmasq-base", "dnsmasq-utils");
            };
            case DNF -> switch (need) {
                case PODMAN -> List.of("podman");
                case QEMU_IMG -> List.of("qemu-img");
                case QEMU_SYSTEM -> List.of("qemu-kvm");
                case SSH_CLIENT -> List.of("openssh-clients");
                case UEFI_FIRMWARE -> List.of(arm ? "edk2-aarch64" : "edk2-ovmf");
                case LIBVIRT -> List.of("libvirt-daemon-kvm", "libvirt-client");
                case SWTPM -> List.of("swtpm", "swtpm-tools");
                case VIRTIOFSD -> List.of("virtiofsd");
                case ISO_TOOL -> List.of("xorriso");
                case UIDMAP -> List.of("shadow-utils");
                case DHCP_RELEASE -> List.of("dnsmasq", "dnsmasq-utils");
            };
        };
    }

    /** The commands, in order, that install what {@code needs} lists (nothing when it is empty). */
    public List<List<String>> installCommands(Collection<Need> needs, String arch) {
        Set<String> pkgs = new LinkedHashSet<>();
        for (Need n : needs) pkgs.addAll(packages(n, arch));
        if (pkgs.isEmpty()) return List.of();
        List<List<String>> out = new ArrayList<>();
        switch (this) {
            case APT -> {
                out.add(List.of("apt-get", "update", "-qq"));
                List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-qq"));
                install.addAll(pkgs);
                out.add(install);
            }
            case DNF -> {
                List<String> install = new ArrayList<>(List.of("dnf", "install", "-y", "-q"));
                install.addAll(pkgs);
                out.add(install);
            }
        }
        return out;
    }

    /** One command line a person can paste, for the messages. */
    public String installHint(Collection<Need> needs, String arch) {
        List<List<String>> cmds = installCommands(needs, arch);
        List<String> lines = new ArrayList<>();
        for (List<String> c : cmds) if (!c.contains("update")) lines.add(String.join(" ", c));
        return String.join(" && ", lines);
    }

    /**
     * The family of this host, from {@code /etc/os-release} (ID and ID_LIKE), else from which of
     * apt-get and dnf is on the PATH; null when neither.
     */
    public static PackageManager detect(Path osRelease, Predicate<String> onPath) {
        String ids = "";
        try {
            for (String line : Files.readAllLines(osRelease)) {
                if (line.startsWith("ID=") || line.startsWith("ID_LIKE=")) {
                    ids += " " + line.substring(line.indexOf('=') + 1).replace("\"", "").toLowerCase(Locale.ROOT);
                }
            }
        } catch (IOException e) {
            // no os-release: fall back to what is installed
        }
        for (String id : ids.trim().split("\\s+")) {
            switch (id) {
                case "debian", "ubuntu" -> { return APT; }
                case "fedora", "rhel", "centos" -> { return DNF; }
                default -> { }
            }
        }
        if (onPath.test("apt-get")) return APT;
        if (onPath.test("dnf")) return DNF;
        return null;
    }
}
