package dev.bootc.pb.reconcile;

import dev.bootc.pb.port.DomainSpec;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The guest half of virtiofs folder sharing: a {@code fstab.extra} systemd credential (an SMBIOS
 * string, per VM; nothing baked into the disk) that mounts every shared folder at boot. Honoured from systemd 254
 * on (Debian 13, current Fedora); systemd 252 (Debian 12, CentOS Stream 9, RHEL 9) ignores it, so a guest known to
 * have that gets mount units from pb over SSH instead ({@link GuestMounts}).
 * Read-only is not enforced by the host on libvirt 9.0 (it refuses {@code <readonly/>} for virtiofs):
 * root in the guest can remount a read-only folder read-write. Share only what the guest may own.
 */
final class FstabCredential {
    private FstabCredential() {
    }

    /** The SMBIOS string mounting every folder, or empty when there is none. */
    static Optional<String> of(List<DomainSpec.SharedFolder> folders) {
        if (folders.isEmpty()) return Optional.empty();
        String fstab = folders.stream().map(FstabCredential::line).collect(Collectors.joining("\n", "", "\n"));
        return Optional.of("io.systemd.credential.binary:fstab.extra="
                + Base64.getEncoder().encodeToString(fstab.getBytes(StandardCharsets.UTF_8)));
    }

    /** One fstab(5) line mounting the folder's tag at its guest path. */
    static String line(DomainSpec.SharedFolder folder) {
        return escape(folder.tag()) + " " + escape(folder.guestPath()) + " virtiofs " + (folder.readOnly() ? "ro" : "rw") + " 0 0";
    }

    /** fstab fields are whitespace-separated; fstab(5) takes octal escapes for what would split them. */
    static String escape(String field) {
        StringBuilder sb = new StringBuilder();
        for (char c : field.toCharArray()) {
            switch (c) {
                case ' ' -> sb.append("\\040");
                case '\t' -> sb.append("\\011");
                case '\n' -> sb.append("\\012");
                case '\\' -> sb.append("\\134");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
