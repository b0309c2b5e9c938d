package dev.bootc.pb.ssh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SshKeyPairTest {
    @TempDir
    Path tmp;

    @Test
    void createsOwnerOnlyFilesOnceAndLoadsThemAfterwards() throws Exception {
        Path vmDir = tmp.resolve("vms/default/web");
        SshKeyPair created = SshKeyPair.loadOrCreate(vmDir, "pb:default/web", dev.bootc.pb.api.SshKeyType.ed25519);
        assertEquals(vmDir.resolve("id_ed25519"), created.privateKeyFile());
        assertEquals(vmDir.resolve("id_ed25519.pub"), created.publicKeyFile());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(created.privateKeyFile())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(created.publicKeyFile())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(vmDir)));
        assertTrue(created.publicKey().matches("ssh-ed25519 [A-Za-z0-9+/=]+ pb:default/web"), created.publicKey());
        try (var files = Files.list(vmDir)) {
            assertEquals(2, files.count(), "no temp files left behind");
        }

        byte[] before = Files.readAllBytes(created.privateKeyFile());
        SshKeyPair loaded = SshKeyPair.loadOrCreate(vmDir, "pb:default/web", dev.bootc.pb.api.SshKeyType.ed25519);
        assertEquals(created, loaded);
        assertArrayEquals(before, Files.readAllBytes(loaded.privateKeyFile()), "existing key is never regenerated");
        assertArrayEquals(created.keyPair().getPublic().getEncoded(), loaded.keyPair().getPublic().getEncoded());
    }

    @Test
    void restoresAMissingPublicKeyFromThePrivateOne() throws Exception {
        SshKeyPair created = SshKeyPair.loadOrCreate(tmp, null, dev.bootc.pb.api.SshKeyType.ed25519);
        Files.delete(created.publicKeyFile());
        SshKeyPair again = SshKeyPair.loadOrCreate(tmp, null, dev.bootc.pb.api.SshKeyType.ed25519);
        assertEquals(created.publicKey(), again.publicKey());
    }

    @Test
    void opensshAcceptsTheKeys() throws Exception {
        SshKeyPair kp = SshKeyPair.loadOrCreate(tmp, "check", dev.bootc.pb.api.SshKeyType.ed25519);
        // ssh-keygen -y derives the public key from the private file: it must read our format
        Process p = new ProcessBuilder(List.of("ssh-keygen", "-y", "-f", kp.privateKeyFile().toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(kp.publicKey().startsWith(out), out + " vs " + kp.publicKey());
    }

    @Test
    void rsaForFipsGuestsIs4096BitsOpensshReadsItAndTheVmKeepsItsKey() throws Exception {
        Path vmDir = tmp.resolve("fips");
        SshKeyPair kp = SshKeyPair.loadOrCreate(vmDir, "fips", dev.bootc.pb.api.SshKeyType.rsa);
        assertEquals(vmDir.resolve("id_rsa"), kp.privateKeyFile());
        assertEquals(vmDir.resolve("id_rsa.pub"), kp.publicKeyFile());
        assertTrue(kp.publicKey().startsWith("ssh-rsa "), kp.publicKey());
        Process p = new ProcessBuilder(List.of("ssh-keygen", "-l", "-f", kp.publicKeyFile().toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(out.startsWith("4096 ") && out.endsWith("(RSA)"), out);
        assertEquals(vmDir.resolve("id_rsa"), SshKeyPair.privateKeyIn(vmDir));
        assertEquals(kp.publicKey(), SshKeyPair.loadOrCreate(vmDir, "fips", dev.bootc.pb.api.SshKeyType.ed25519).publicKey(),
                "an existing key is kept whatever the type asked later");
    }
}
