package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Encodes a VM's SSH access as systemd credentials in SMBIOS type-11 strings, which the guest's
 * systemd imports at boot. root: {@code tmpfiles.extra} writing /root/.ssh/authorized_keys, as
 * podman-bootc and bcvk send: on bootc images /root is a symlink to var/roothome, made by
 * rpm-ostree-0-integration.conf after systemd's provision.conf, so {@code ssh.authorized_keys.root}
 * writes nothing at first boot. It is not sent beside it either: systemd-tmpfiles takes the first
 * line it reads for a path, so provision.conf's {@code /root/.ssh} lines (read before the credential)
 * would shadow ours and the key would never land (measured on the strict fixture). Any other user: {@code sysusers.extra}
 * creates the user when missing and {@code tmpfiles.extra} creates its home, {@code ~/.ssh} (0700)
 * and {@code authorized_keys} (0600, rewritten on every boot) — the approach of podman-bootc; and, when pb must
 * log in as root itself (to mount volumes a guest's systemd 252 does not: {@link GuestMounts}), root's lines with
 * the VM's own key alone.
 */
public final class SshCredentials {
    private static final Pattern USER = Pattern.compile(Validation.USER_PATTERN);
    private static final Pattern KEY = Pattern.compile(Validation.PUBLIC_KEY_PATTERN);
    private static final String PREFIX = "io.systemd.credential.binary:";

    private SshCredentials() {
    }

    /**
     * The SMBIOS strings letting {@code user} log in with any of {@code publicKeys} (the VM's own key
     * first, then the spec's extra keys; duplicates dropped).
     */
    public static List<String> smbiosStrings(String user, List<String> publicKeys) {
        return smbiosStrings(user, publicKeys, null);
    }

    /**
     * As {@link #smbiosStrings(String, List)}, and when {@code rootKey} is given and the user is not root, root may
     * log in with that key too (pb's own, for its work in the guest). One tmpfiles.extra credential holds both.
     */
    public static List<String> smbiosStrings(String user, List<String> publicKeys, String rootKey) {
        String u = user == null || user.isBlank() ? "root" : user;
        if (!USER.matcher(u).matches()) {
            throw Failure.InvalidSshUser.with("SSH user must match " + Validation.USER_PATTERN + ": " + u);
        }
        String keys = authorizedKeys(publicKeys);
        if (u.equals("root")) {
            return List.of(credential("tmpfiles.extra", rootLines(keys)));
        }
        String home = "/home/" + u;
        String sysusers = "u " + u + " - \"pb SSH user\" " + home + " /bin/bash\n";
        String tmpfiles = "d " + home + " 0700 " + u + " " + u + " -\n"
                + "d " + home + "/.ssh 0700 " + u + " " + u + " -\n"
                + "f+~ " + home + "/.ssh/authorized_keys 0600 " + u + " " + u + " - " + base64(keys) + "\n"
                + (rootKey == null ? "" : rootLines(authorizedKeys(List.of(rootKey))));
        return List.of(credential("sysusers.extra", sysusers), credential("tmpfiles.extra", tmpfiles));
    }

    /** root's authorized_keys, through the link /root is on bootc images ({@code f+~}: base64, as systemd 252 reads it too). */
    private static String rootLines(String keys) {
        return "d /root/.ssh 0700 - - -\n"
                + "f+~ /root/.ssh/authorized_keys 0600 - - - " + base64(keys) + "\n";
    }

    /** authorized_keys content: one key a line, each checked to be a single OpenSSH public key line. */
    static String authorizedKeys(List<String> publicKeys) {
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (String k : publicKeys) {
            String key = k.trim();
            if (key.isEmpty()) continue;
            if (key.contains("\n") || key.contains("\r") || !KEY.matcher(key).matches()) {
                throw Failure.InvalidPublicKey.with("not an OpenSSH public key line: " + abbreviate(key));
            }
            unique.add(key);
        }
        if (unique.isEmpty()) throw Failure.InvalidPublicKey.with("no SSH public key to inject");
        return String.join("\n", new ArrayList<>(unique)) + "\n";
    }

    static String credential(String name, String value) {
        return PREFIX + name + "=" + base64(value);
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
