package dev.bootc.pb.host;

import dev.bootc.pb.port.Accel;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Whether this host can run KVM guests: only when /dev/kvm opens read-write and the CPU advertises
 * vmx or svm; some hosts (nested or paravirtualized ones) expose a /dev/kvm whose guests crash or crawl.
 */
public final class AccelDetection {
    private static final Pattern VIRT_FLAG = Pattern.compile("(?m)^flags\\s*:.*\\b(vmx|svm)\\b");

    private AccelDetection() {
    }

    public static Accel detect() {
        return detect(Path.of("/dev/kvm"), Path.of("/proc/cpuinfo"));
    }

    public static boolean hostSupportsKvm() {
        return detect() == Accel.KVM;
    }

    static Accel detect(Path devKvm, Path cpuinfo) {
        return kvmUsable(devKvm) && cpuHasVirtualization(cpuinfo) ? Accel.KVM : Accel.TCG;
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
