package dev.bootc.pb.libvirt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** How QEMU runs guest code: hardware virtualization (KVM) or emulation (TCG). */
public enum Accel {
    KVM("kvm"),
    TCG("qemu");

    private static final Pattern VIRT_FLAG = Pattern.compile("(?m)^flags\\s*:.*\\b(vmx|svm)\\b");

    private final String domainType;

    Accel(String domainType) {
        this.domainType = domainType;
    }

    /** The libvirt domain type: {@code kvm} or {@code qemu}. */
    public String domainType() {
        return domainType;
    }

    /** Detects on this host; {@code PB_ACCEL=kvm|tcg} overrides. */
    /** Whether this host can run KVM guests, whatever PB_ACCEL says. */
    public static boolean hostSupportsKvm() {
        return detect(Map.of(), Path.of("/dev/kvm"), Path.of("/proc/cpuinfo")) == KVM;
    }

    public static Accel detect() {
        return detect(System.getenv(), Path.of("/dev/kvm"), Path.of("/proc/cpuinfo"));
    }

    /**
     * KVM only when /dev/kvm opens read-write and the CPU advertises vmx or svm: some hosts (nested
     * or paravirtualized ones) expose a /dev/kvm whose guests crash or crawl.
     */
    static Accel detect(Map<String, String> env, Path devKvm, Path cpuinfo) {
        String forced = env.get("PB_ACCEL");
        if (forced != null && !forced.isBlank()) {
            return parse(forced);
        }
        return kvmUsable(devKvm) && cpuHasVirtualization(cpuinfo) ? KVM : TCG;
    }

    /** Parses {@code kvm} or {@code tcg} (any case). */
    public static Accel parse(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "kvm" -> KVM;
            case "tcg", "qemu" -> TCG;
            default -> throw new dev.bootc.pb.api.PbException.Invalid("InvalidAccel",
                    "PB_ACCEL must be kvm or tcg, not '" + value + "'");
        };
    }

    private static boolean kvmUsable(Path devKvm) {
        if (!Files.exists(devKvm)) return false;
        try (RandomAccessFile f = new RandomAccessFile(devKvm.toFile(), "rw")) {
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static boolean cpuHasVirtualization(Path cpuinfo) {
        try {
            return VIRT_FLAG.matcher(Files.readString(cpuinfo)).find();
        } catch (IOException e) {
            return false;
        }
    }
}
