package dev.bootc.pb.host;

import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The doctor's check of /dev/kvm against libvirt's QEMU user, on a file of the test's standing in for the device
 * (its group and mode set as the cases need; the suite runs as root) and the user's ids as {@code id} prints them.
 */
class KvmDeviceTest {
    @TempDir
    Path tmp;

    /** Debian's libvirt-qemu: primary group kvm (107), and its own group. */
    static final String LIBVIRT_QEMU = "uid=64055(libvirt-qemu) gid=107(kvm) groups=107(kvm),64055(libvirt-qemu)\n";

    static ProcessRunner id(Map<String, String> users) {
        return c -> {
            String out = c.program().equals("id") ? users.get(c.argv().get(c.argv().size() - 1)) : null;
            return out == null ? new ProcessResult(c, 1, "", "id: no such user", Duration.ZERO, false)
                    : new ProcessResult(c, 0, out, "", Duration.ZERO, false);
        };
    }

    Path device(int gid, String mode) throws IOException {
        Path d = Files.writeString(tmp.resolve("kvm"), "");
        Files.setAttribute(d, "unix:gid", gid);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        return d;
    }

    @Test
    void aDeviceWhoseGroupIsNotTheQemuUsersIsReportedWithTheFixThatPutsItBack() throws IOException {
        // measured here: a chroot's qemu package scripts left the host's /dev/kvm in group 993; libvirt then re-probed
        // QEMU on every call (a define took 56 s instead of 0.02 s)
        Path dev = device(993, "rw-rw----");
        HostDoctor.Finding f = KvmDevice.finding(dev, tmp.resolve("no-qemu.conf"), id(Map.of("libvirt-qemu", LIBVIRT_QEMU))).orElseThrow();
        assertFalse(f.ok(), f.toString());
        assertFalse(f.required(), "VMs still run: a warning");
        assertTrue(f.name().contains("libvirt-qemu"), f.name());
        assertTrue(f.detail().contains("993") && f.detail().contains("kvm, libvirt-qemu") && f.detail().contains("probes QEMU again"), f.detail());
        assertEquals("chgrp kvm " + dev + " && chmod 0660 " + dev + " (udev's rule: KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0660\")", f.fix());
    }

    @Test
    void theUsersGroupOrAWorldWritableDeviceIsFine() throws IOException {
        ProcessRunner runner = id(Map.of("libvirt-qemu", LIBVIRT_QEMU));
        assertTrue(KvmDevice.finding(device(107, "rw-rw----"), tmp.resolve("none"), runner).orElseThrow().ok());
        assertTrue(KvmDevice.finding(device(993, "rw-rw-rw-"), tmp.resolve("none"), runner).orElseThrow().ok(), "Fedora's 0666");
        assertFalse(KvmDevice.finding(device(107, "rw-r-----"), tmp.resolve("none"), runner).orElseThrow().ok(), "the group may not write");
    }

    @Test
    void theUserComesFromQemuConfElseTheDistributionsDefault() throws IOException {
        // Fedora: no libvirt-qemu, the user is qemu (in group kvm, 36 there)
        ProcessRunner fedora = id(Map.of("qemu", "uid=107(qemu) gid=107(qemu) groups=107(qemu),36(kvm)\n"));
        HostDoctor.Finding f = KvmDevice.finding(device(993, "rw-rw----"), tmp.resolve("none"), fedora).orElseThrow();
        assertTrue(f.name().contains("(qemu)") && !f.ok(), f.toString());
        assertTrue(f.fix().startsWith("chgrp kvm "), f.fix());
        Path dev = device(107, "rw-rw----");
        Path conf = Files.writeString(tmp.resolve("qemu.conf"), "# user = \"nobody\"\nuser = \"pbqemu\"\ngroup = \"kvm\"\n");
        assertEquals(Optional.of("pbqemu"), KvmDevice.configuredUser(conf));
        ProcessRunner configured = id(Map.of("pbqemu", "uid=2000(pbqemu) gid=107(kvm) groups=107(kvm)\n", "libvirt-qemu", LIBVIRT_QEMU));
        assertTrue(KvmDevice.finding(dev, conf, configured).orElseThrow().name().contains("(pbqemu)"));
        assertTrue(KvmDevice.finding(dev, conf, id(Map.of())).isEmpty(), "no such user: nothing to say");
        assertTrue(KvmDevice.finding(tmp.resolve("absent"), conf, configured).isEmpty(), "no /dev/kvm: nothing to say");
    }

    @Test
    void idsAreReadAsIdPrintsThem() {
        KvmDevice.Ids ids = KvmDevice.Ids.parse(LIBVIRT_QEMU).orElseThrow();
        assertEquals(64055, ids.uid());
        assertEquals(List.of(107, 64055), ids.gids());
        assertEquals(List.of("kvm", "libvirt-qemu"), ids.groupNames());
        assertTrue(KvmDevice.usable(new KvmDevice.Ids(0, List.of(), List.of()), 0, 993, 0600), "root opens anything");
        assertFalse(KvmDevice.usable(ids, 64055, 107, 0060), "the owner's own bits count for the owner");
    }

    @Test
    void thisHostsDeviceIsUsableByItsQemuUser() {
        // the machine the suite runs on: a /dev/kvm libvirt's QEMU user cannot open makes every VM test minutes slower
        Optional<HostDoctor.Finding> f = KvmDevice.finding(Path.of("/dev/kvm"), Path.of("/etc/libvirt/qemu.conf"), dev.bootc.pb.os.ProcessRunner.local());
        f.ifPresent(finding -> assertTrue(finding.ok(), finding + ": fix it before the end-to-end tests (" + finding.fix() + ")"));
    }
}
