package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.PbException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AccelTest {
    @TempDir
    Path tmp;

    @Test
    void kvmNeedsAWritableDeviceAndVirtualizationFlags() throws Exception {
        Path kvm = Files.createFile(tmp.resolve("kvm"));
        Path vmx = Files.writeString(tmp.resolve("cpuinfo-vmx"), "processor\t: 0\nflags\t\t: fpu vme vmx sse\n");
        Path none = Files.writeString(tmp.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: fpu vme sse hypervisor\n");
        assertEquals(Accel.KVM, Accel.detect(Map.of(), kvm, vmx));
        assertEquals(Accel.TCG, Accel.detect(Map.of(), kvm, none), "a /dev/kvm without vmx/svm (kvm_pvm) is not used");
        assertEquals(Accel.TCG, Accel.detect(Map.of(), tmp.resolve("missing"), vmx));
    }

    @Test
    void environmentOverrides() throws Exception {
        Path none = Files.writeString(tmp.resolve("cpuinfo"), "flags\t: fpu\n");
        assertEquals(Accel.KVM, Accel.detect(Map.of("PB_ACCEL", "kvm"), tmp.resolve("missing"), none));
        assertEquals(Accel.TCG, Accel.detect(Map.of("PB_ACCEL", "TCG"), tmp.resolve("missing"), none));
        assertThrows(PbException.Invalid.class, () -> Accel.detect(Map.of("PB_ACCEL", "hvf"), tmp, none));
        assertEquals("qemu", Accel.TCG.domainType());
        assertEquals("kvm", Accel.KVM.domainType());
    }

    @Test
    void thisHostIsTcgOnly() {
        // HOST.md: /dev/kvm opens here but the CPU has no vmx/svm; guests only work under TCG
        if (System.getenv("PB_ACCEL") == null) assertEquals(Accel.TCG, Accel.detect());
    }
}
