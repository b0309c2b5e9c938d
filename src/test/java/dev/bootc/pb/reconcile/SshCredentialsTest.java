package dev.bootc.pb.reconcile;


import dev.bootc.pb.api.PbException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SshCredentialsTest {
    static final String K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3q pb:default/web";
    static final String K2 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== me@laptop";

    static String decode(String smbios, String name) {
        String prefix = "io.systemd.credential.binary:" + name + "=";
        assertTrue(smbios.startsWith(prefix), smbios);
        return new String(Base64.getDecoder().decode(smbios.substring(prefix.length())), StandardCharsets.UTF_8);
    }

    @Test
    void rootGetsTmpfilesExtraThatWritesThroughTheRootSymlinkOfBootcImages() {
        List<String> s = SshCredentials.smbiosStrings("root", List.of(K1, K2, K1 + "  "));
        assertEquals(1, s.size(), "tmpfiles.extra only: " + s);
        String[] lines = decode(s.get(0), "tmpfiles.extra").split("\n");
        assertEquals(2, lines.length);
        assertEquals("d /root/.ssh 0700 - - -", lines[0]);
        String prefix = "f+~ /root/.ssh/authorized_keys 0600 - - - ";
        assertTrue(lines[1].startsWith(prefix), lines[1]);
        assertEquals(K1 + "\n" + K2 + "\n", new String(Base64.getDecoder().decode(lines[1].substring(prefix.length())), StandardCharsets.UTF_8));
        assertEquals(s, SshCredentials.smbiosStrings(null, List.of(K1, K2)), "no user means root");
    }

    @Test
    void rootDoesNotGetSystemdsOwnAuthorizedKeysCredentialWhoseLinesWouldShadowOurs() {
        List<String> s = SshCredentials.smbiosStrings("root", List.of(K1, K2));
        assertTrue(s.stream().noneMatch(c -> c.contains("ssh.authorized_keys.root")), s.toString());
    }

    @Test
    void otherUserIsCreatedWithSysusersAndGetsKeysThroughTmpfiles() {
        List<String> s = SshCredentials.smbiosStrings("core", List.of(K1, K2));
        assertEquals(2, s.size());
        assertEquals("u core - \"pb SSH user\" /home/core /bin/bash\n", decode(s.get(0), "sysusers.extra"));
        String tmpfiles = decode(s.get(1), "tmpfiles.extra");
        String[] lines = tmpfiles.split("\n");
        assertEquals(3, lines.length, tmpfiles);
        assertEquals("d /home/core 0700 core core -", lines[0]);
        assertEquals("d /home/core/.ssh 0700 core core -", lines[1]);
        String prefix = "f+~ /home/core/.ssh/authorized_keys 0600 core core - ";
        assertTrue(lines[2].startsWith(prefix), lines[2]);
        assertEquals(K1 + "\n" + K2 + "\n",
                new String(Base64.getDecoder().decode(lines[2].substring(prefix.length())), StandardCharsets.UTF_8));
    }

    @Test
    void anotherUserAndRootWithPbsKeyWhenPbMustLogInAsRoot() {
        List<String> s = SshCredentials.smbiosStrings("core", List.of(K1, K2), K1);
        String[] lines = decode(s.get(1), "tmpfiles.extra").split("\n");
        assertEquals(5, lines.length);
        assertEquals("d /root/.ssh 0700 - - -", lines[3]);
        String prefix = "f+~ /root/.ssh/authorized_keys 0600 - - - ";
        assertTrue(lines[4].startsWith(prefix), lines[4]);
        assertEquals(K1 + "\n", new String(Base64.getDecoder().decode(lines[4].substring(prefix.length())), StandardCharsets.UTF_8));
        assertEquals(SshCredentials.smbiosStrings("root", List.of(K1, K2)), SshCredentials.smbiosStrings("root", List.of(K1, K2), K1),
                "root has the keys already");
    }

    @Test
    void refusesWhatWouldBreakTheFiles() {
        assertThrows(PbException.class, () -> SshCredentials.smbiosStrings("bad user", List.of(K1)));
        assertThrows(PbException.class, () -> SshCredentials.smbiosStrings("root", List.of(K1 + "\nssh-rsa AAAA x")));
        assertThrows(PbException.class, () -> SshCredentials.smbiosStrings("root", List.of("not a key")));
        assertThrows(PbException.class, () -> SshCredentials.smbiosStrings("root", List.of()));
    }
}
