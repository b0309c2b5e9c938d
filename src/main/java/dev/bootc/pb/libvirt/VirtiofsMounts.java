package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.PbException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Host and guest halves of virtiofs folder sharing: finding the host's virtiofsd, naming the mount
 * tags, and telling the guest what to mount. Three ways, measured on Debian guests:
 * <ul>
 * <li>a {@code fstab.extra} credential (SMBIOS, per VM): honoured by systemd 257 (trixie), ignored
 *     by systemd 252 (bookworm, CentOS Stream 9); the preferred way, nothing baked into the disk;</li>
 * <li>{@code systemd.mount-extra=} kernel arguments: honoured by 257, ignored by 252; but kernel
 *     arguments live in the base disk's boot entries, so they cannot differ per VM;</li>
 * <li>a mount script run over SSH once the guest is up: works with any systemd (the virtiofs
 *     driver is in the kernel since 5.4), the fallback for older guests.</li>
 * </ul>
 * Read-only is not enforced by the host on libvirt 9.0 (it refuses {@code <readonly/>} for virtiofs
 * and its virtiofsd runs as root): root in the guest can remount a read-only folder read-write and
 * write to the host folder, setuid files included. Share only what the guest may own.
 */
public final class VirtiofsMounts {
    /** Where distributions put virtiofsd: Fedora and Debian 13 (package virtiofsd), Debian 12 (qemu-system-common). */
    public static final List<Path> VIRTIOFSD_CANDIDATES =
            List.of(Path.of("/usr/libexec/virtiofsd"), Path.of("/usr/lib/qemu/virtiofsd"));

    private static final String TAG_PREFIX = "pb-vol";

    private VirtiofsMounts() {
    }

    /** The mount tag of the i-th shared folder of a VM. */
    public static String tag(int index) {
        return TAG_PREFIX + index;
    }

    public static Optional<Path> findVirtiofsd() {
        return findVirtiofsd(VIRTIOFSD_CANDIDATES);
    }

    static Optional<Path> findVirtiofsd(List<Path> candidates) {
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** The host's virtiofsd, or a VirtiofsdMissing failure saying what to install. */
    public static Path requireVirtiofsd() {
        return requireVirtiofsd(VIRTIOFSD_CANDIDATES);
    }

    static Path requireVirtiofsd(List<Path> candidates) {
        return findVirtiofsd(candidates).orElseThrow(() -> new PbException.Failed("VirtiofsdMissing",
                "volumes need virtiofsd, which this host lacks (looked at "
                        + candidates.stream().map(Path::toString).collect(Collectors.joining(", "))
                        + "): install the package virtiofsd (Fedora, Debian 13) or qemu-system-common (Debian 12)"));
    }

    /**
     * {@code systemd.mount-extra=TAG:PATH:virtiofs[:ro]}, honoured by systemd-fstab-generator from
     * systemd 254 on. The syntax is colon-separated and the kernel command line splits on
     * whitespace, so such guest paths are refused.
     */
    public static String kernelArg(DomainSpec.SharedFolder folder) {
        String path = folder.guestPath();
        if (path.contains(":") || path.chars().anyMatch(Character::isWhitespace) || path.contains("\"")) {
            throw new PbException.Invalid("InvalidGuestPath",
                    "guest path cannot go into a kernel argument (no ':', quotes or spaces): " + path);
        }
        return "systemd.mount-extra=" + folder.tag() + ":" + path + ":virtiofs" + (folder.readOnly() ? ":ro" : "");
    }

    public static List<String> kernelArgs(List<DomainSpec.SharedFolder> folders) {
        return folders.stream().map(VirtiofsMounts::kernelArg).toList();
    }

    /** One fstab(5) line mounting the folder's tag at its guest path. */
    public static String fstabLine(DomainSpec.SharedFolder folder) {
        return fstabEscape(folder.tag()) + " " + fstabEscape(folder.guestPath()) + " virtiofs "
                + (folder.readOnly() ? "ro" : "rw") + " 0 0";
    }

    /**
     * The SMBIOS string carrying a {@code fstab.extra} credential that mounts every folder, or empty
     * when there is none.
     */
    public static Optional<String> fstabCredential(List<DomainSpec.SharedFolder> folders) {
        if (folders.isEmpty()) return Optional.empty();
        String fstab = folders.stream().map(VirtiofsMounts::fstabLine).collect(Collectors.joining("\n", "", "\n"));
        return Optional.of("io.systemd.credential.binary:fstab.extra="
                + Base64.getEncoder().encodeToString(fstab.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A POSIX shell script that mounts every folder not mounted yet (idempotent), for guests whose
     * systemd ignores {@code fstab.extra}; run it as root over SSH.
     */
    public static String mountScript(List<DomainSpec.SharedFolder> folders) {
        StringBuilder sb = new StringBuilder("set -e\n");
        for (DomainSpec.SharedFolder f : folders) {
            String path = shellQuote(f.guestPath());
            sb.append("if ! mountpoint -q ").append(path).append("; then mkdir -p ").append(path)
                    .append(" && mount -t virtiofs -o ").append(f.readOnly() ? "ro" : "rw").append(' ')
                    .append(shellQuote(f.tag())).append(' ').append(path).append("; fi\n");
        }
        return sb.toString();
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /** fstab fields are whitespace-separated; fstab(5) takes octal escapes for what would split them. */
    static String fstabEscape(String field) {
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
