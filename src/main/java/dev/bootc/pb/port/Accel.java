package dev.bootc.pb.port;

import dev.bootc.pb.api.Failure;

import java.util.Locale;

/** How QEMU runs guest code: hardware virtualization (KVM) or emulation (TCG). */
public enum Accel {
    KVM("kvm"),
    TCG("qemu");

    private final String domainType;

    Accel(String domainType) {
        this.domainType = domainType;
    }

    /** The libvirt domain type: {@code kvm} or {@code qemu}. */
    public String domainType() {
        return domainType;
    }

    /** Parses {@code kvm} or {@code tcg} (any case), as PB_ACCEL takes them. */
    public static Accel parse(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "kvm" -> KVM;
            case "tcg", "qemu" -> TCG;
            default -> throw Failure.InvalidConfig.with("PB_ACCEL: invalid value '" + value + "': use kvm or tcg");
        };
    }
}
