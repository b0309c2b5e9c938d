package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.PbException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtiofsMountsTest {
    @TempDir
    Path tmp;

    static DomainSpec.SharedFolder folder(String guest, boolean ro, int i) {
        return new DomainSpec.SharedFolder(Path.of("/srv/data"), guest, ro, VirtiofsMounts.tag(i));
    }

    @Test
    void kernelArgument() {
        assertEquals("systemd.mount-extra=pb-vol0:/var/data:virtiofs:ro", VirtiofsMounts.kernelArg(folder("/var/data", true, 0)));
        assertEquals("systemd.mount-extra=pb-vol1:/mnt/src:virtiofs", VirtiofsMounts.kernelArg(folder("/mnt/src", false, 1)));
        assertThrows(PbException.Invalid.class, () -> VirtiofsMounts.kernelArg(folder("/mnt/a b", false, 0)));
        assertThrows(PbException.Invalid.class, () -> VirtiofsMounts.kernelArg(folder("/mnt/a:b", false, 0)));
    }

    @Test
    void fstabCredential() {
        String cred = VirtiofsMounts.fstabCredential(List.of(folder("/var/data", true, 0), folder("/mnt/my src", false, 1)))
                .orElseThrow();
        String prefix = "io.systemd.credential.binary:fstab.extra=";
        assertTrue(cred.startsWith(prefix), cred);
        String fstab = new String(Base64.getDecoder().decode(cred.substring(prefix.length())), StandardCharsets.UTF_8);
        assertEquals("pb-vol0 /var/data virtiofs ro 0 0\npb-vol1 /mnt/my\\040src virtiofs rw 0 0\n", fstab);
        assertTrue(VirtiofsMounts.fstabCredential(List.of()).isEmpty());
    }

    @Test
    void mountScriptForOlderGuests() {
        assertEquals("set -e\n"
                + "if ! mountpoint -q '/var/data'; then mkdir -p '/var/data' && mount -t virtiofs -o ro 'pb-vol0' '/var/data'; fi\n"
                + "if ! mountpoint -q '/mnt/it'\"'\"'s'; then mkdir -p '/mnt/it'\"'\"'s' && mount -t virtiofs -o rw 'pb-vol1' '/mnt/it'\"'\"'s'; fi\n",
                VirtiofsMounts.mountScript(List.of(folder("/var/data", true, 0), folder("/mnt/it's", false, 1))));
    }

    @Test
    void missingVirtiofsdSaysWhatToInstall() throws Exception {
        PbException e = assertThrows(PbException.Failed.class,
                () -> VirtiofsMounts.requireVirtiofsd(List.of(tmp.resolve("libexec/virtiofsd"), tmp.resolve("qemu/virtiofsd"))));
        assertEquals("VirtiofsdMissing", e.reason());
        assertTrue(e.getMessage().contains("virtiofsd") && e.getMessage().contains("qemu-system-common"), e.getMessage());

        Path fake = Files.createFile(tmp.resolve("virtiofsd"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(fake, VirtiofsMounts.requireVirtiofsd(List.of(tmp.resolve("nope"), fake)));
    }
}
