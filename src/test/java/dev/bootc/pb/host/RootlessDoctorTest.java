package dev.bootc.pb.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pb doctor as a user: what rootless use needs and the exact command that fixes it. */
class RootlessDoctorTest {
    @TempDir
    Path tmp;

    @Test
    void aUserWithoutSubordinateIdsIsToldTheUsermodLineWithAFreeRange() throws IOException {
        Path subuid = Files.writeString(tmp.resolve("subuid"), "alice:100000:65536\nbob:165536:65536\n");
        Path subgid = Files.writeString(tmp.resolve("subgid"), "alice:100000:65536\n");
        List<HostDoctor.Finding> f = Rootless.findings("carol", subuid, subgid, tmp.resolve("no-kvm"));
        assertEquals(1, f.size(), "no KVM device, no KVM finding");
        HostDoctor.Finding ids = f.get(0);
        assertFalse(ids.ok());
        assertTrue(ids.required());
        assertEquals("as root: usermod --add-subuids 231072-296607 --add-subgids 231072-296607 carol && podman system migrate", ids.fix());
        assertTrue(ids.detail().contains("rootless podman cannot run"), ids.detail());
    }

    @Test
    void aUserWithRangesPassesAndAnUnusableKvmIsNamedWithItsFix() throws IOException {
        Path subuid = Files.writeString(tmp.resolve("subuid"), "alice:100000:65536\n");
        Path subgid = Files.writeString(tmp.resolve("subgid"), "alice:100000:65536\n");
        Path kvm = Files.createFile(tmp.resolve("kvm"));
        kvm.toFile().setReadable(false, false);
        kvm.toFile().setWritable(false, false);
        List<HostDoctor.Finding> f = Rootless.findings("alice", subuid, subgid, kvm);
        assertTrue(f.get(0).ok());
        HostDoctor.Finding k = f.get(1);
        if (!"root".equals(System.getProperty("user.name"))) { // root reads and writes any file
            assertFalse(k.ok());
        }
        assertFalse(k.required(), "TCG still works");
        assertEquals("as root: usermod -aG kvm alice, then log in again", k.fix());
    }
}
