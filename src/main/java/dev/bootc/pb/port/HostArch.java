package dev.bootc.pb.port;

import dev.bootc.pb.api.Failure;
import java.util.Locale;

/** The guest architecture pb builds domains for: the host's own (pb never emulates another architecture). */
public enum HostArch {
    X86_64("x86_64", "q35", "qemu-system-x86_64"),
    AARCH64("aarch64", "virt", "qemu-system-aarch64");

    private final String name;
    private final String machine;
    private final String emulator;

    HostArch(String name, String machine, String emulator) {
        this.name = name;
        this.machine = machine;
        this.emulator = emulator;
    }

    /** libvirt's and QEMU's name of it, as {@code uname -m} prints it. */
    public String archName() {
        return name;
    }

    /** The machine type domains get: q35 on x86_64, virt on aarch64. */
    public String machine() {
        return machine;
    }

    /** The QEMU program that runs such guests. */
    public String emulator() {
        return emulator;
    }

    /** Whether BIOS boot exists for this architecture (aarch64 has only UEFI). */
    public boolean hasBios() {
        return this == X86_64;
    }

    public static HostArch current() {
        return fromJava(System.getProperty("os.arch"));
    }

    /** From Java's {@code os.arch} or {@code uname -m}. */
    public static HostArch fromJava(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw dev.bootc.pb.api.Failure.UnsupportedArch.with(
                    "pb runs VMs on x86_64 and aarch64 hosts only, not " + osArch);
        };
    }
}
