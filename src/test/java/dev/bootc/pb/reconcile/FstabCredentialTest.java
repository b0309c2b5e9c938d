package dev.bootc.pb.reconcile;

import dev.bootc.pb.port.DomainSpec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FstabCredentialTest {
    static DomainSpec.SharedFolder folder(String guest, boolean ro, int i) {
        return new DomainSpec.SharedFolder(Path.of("/srv/data"), guest, ro, DomainSpec.SharedFolder.tag(i));
    }

    @Test
    void mountsEveryFolderEscapingWhatWouldSplitAField() {
        String cred = FstabCredential.of(List.of(folder("/var/data", true, 0), folder("/mnt/my src", false, 1))).orElseThrow();
        String prefix = "io.systemd.credential.binary:fstab.extra=";
        assertTrue(cred.startsWith(prefix), cred);
        String fstab = new String(Base64.getDecoder().decode(cred.substring(prefix.length())), StandardCharsets.UTF_8);
        assertEquals("pb-vol0 /var/data virtiofs ro 0 0\npb-vol1 /mnt/my\\040src virtiofs rw 0 0\n", fstab);
        assertTrue(FstabCredential.of(List.of()).isEmpty());
    }
}
