package dev.bootc.pb.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VirtiofsdTest {
    @TempDir
    Path tmp;

    @Test
    void theFirstExecutableCandidateIsIt() throws Exception {
        assertEquals(Optional.empty(), Virtiofsd.find(List.of(tmp.resolve("libexec/virtiofsd"), tmp.resolve("qemu/virtiofsd"))));
        Path fake = Files.createFile(tmp.resolve("virtiofsd"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(Optional.of(fake), Virtiofsd.find(List.of(tmp.resolve("nope"), fake)));
    }
}
