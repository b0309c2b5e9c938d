package dev.bootc.pb.host;

import dev.bootc.pb.port.Accel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AccelDetectionTest {
    @TempDir
    Path tmp;

    @Test
    void kvmNeedsAWritableDeviceAndVirtualizationFlags() throws Exception {
        Path kvm = Files.createFile(tmp.resolve("kvm"));
        Path vmx = Files.writeString(tmp.resolve("cpuinfo-vmx"), "processor\t: 0\nflags\t\t: fpu vme vmx sse\n");
        Path none = Files.writeString(tmp.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: fpu vme sse hypervisor\n");
        assertEquals(Accel.KVM, AccelDetection.detect(kvm, vmx));
        assertEquals(Accel.TCG, AccelDetection.detect(kvm, none), "a /dev/kvm without vmx/svm (kvm_pvm) is not used");
        assertEquals(Accel.TCG, AccelDetection.detect(tmp.resolve("missing"), vmx));
        assertEquals("qemu", Accel.TCG.domainType());
        assertEquals("kvm", Accel.KVM.domainType());
    }

    @Test
    void thisHostIsTcgOnly() {
        // HOST.md: /dev/kvm opens here but the CPU has no vmx/svm; guests only work under TCG
        assertEquals(Accel.TCG, AccelDetection.detect());
    }
}
