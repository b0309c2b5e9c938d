package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Boot firmware of the VM. libvirt chooses the firmware build from QEMU's firmware descriptors;
 * pb only says which features it wants.
 */
public enum Firmware {
    /** UEFI without Secure Boot: boots signed and unsigned boot chains alike. */
    uefi("uefi"),
    /** UEFI with Secure Boot on and Microsoft's keys enrolled: only signed shims boot (as on real hardware). */
    @JsonProperty("uefi-secure")
    uefi_secure("uefi-secure"),
    /** Legacy BIOS (SeaBIOS); x86_64 only. */
    bios("bios");

    private final String wire;

    Firmware(String wire) {
        this.wire = wire;
    }

    public boolean isUefi() {
        return this != bios;
    }

    public boolean secureBoot() {
        return this == uefi_secure;
    }

    /** The value as written in YAML and on the command line. */
    @Override
    public String toString() {
        return wire;
    }

    /** From the command line: {@code uefi}, {@code uefi-secure} or {@code bios}. */
    public static Firmware parse(String value) {
        for (Firmware f : values()) if (f.wire.equals(value)) return f;
        throw Failure.InvalidFirmware.with("--firmware " + Validation.quote(value) + " is not one of "
                + Arrays.stream(values()).map(Firmware::toString).collect(Collectors.joining(", ")));
    }
}
