package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.DomainSpec.SharedFolder;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Ssh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * Volumes in guests whose systemd ignores the {@code fstab.extra} credential (it is read from 254 on; CentOS Stream 9
 * and RHEL 9 have 252): pb mounts them itself, as root over SSH once SSH answers, by writing a systemd mount unit
 * per volume under /etc/systemd/system (writable and kept on bootc systems) and enabling it, so later boots mount
 * them before SSH is up. Nothing in 252 can do it at first boot without SSH: {@code tmpfiles.extra} runs after
 * local-fs.target and cannot make systemd load a unit it writes, and {@code systemd.wants=} or
 * {@code systemd.mount-extra=} (254+) are kernel arguments, which live in the base disk, not in one VM.
 *
 * <p>Each unit is conditioned on a credential the domain carries ({@code ConditionCredential=pb.volume.HASH}, 252
 * has it), its name a hash of the volume's tag, guest path and mode. Volumes are tagged by their position, so after
 * a spec change an old unit would mount another folder at its old path at the next boot, before pb could rewrite
 * it; with the condition, a unit the spec no longer has does nothing, and pb rewrites or removes the units at the
 * first SSH answer of every start. Everything here decides; the ports do the I/O.
 */
final class GuestMounts {
    /** systemd reads {@code fstab.extra} from this version on. */
    static final int FSTAB_EXTRA = 254;
    /** systemd imports SMBIOS credentials (the SSH key, the units' conditions) from this version on. */
    static final int SMBIOS_CREDENTIALS = 252;
    static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);
    /** The first line of every unit pb writes: what it may rewrite or remove, and nothing else. */
    static final String MARK = "# pb volume: written by pb at each start of this VM; removed when the VM no longer has the volume";
    static final String TOKEN_PREFIX = "pb.volume.";

    private final Images images;
    private final Disks disks;
    private final Ssh ssh;
    private final VmLayout layout;

    GuestMounts(Images images, Disks disks, Ssh ssh, VmLayout layout) {
        this.images = images;
        this.disks = disks;
        this.ssh = ssh;
        this.layout = layout;
    }

    /**
     * The major version of the VM's systemd as far as it is known: what its status recorded; else, for a VM with
     * volumes made before pb learnt it, what its base disk's metadata tells, or, when its domain is about to start
     * ({@code starting}: the image is not asked at every resync of a running VM), its image in local storage;
     * recorded so later passes need not ask. Null: unknown (the guest then gets what pb always sent: fstab.extra).
     */
    Integer systemd(BootcVmSpec spec, BootcVmStatus status, boolean starting) {
        Integer known = status.getSystemdVersion();
        if (known != null || spec.volumesOrEmpty().isEmpty()) return known;
        Integer found = null;
        if (status.getBaseDisk() != null) {
            found = disks.baseDisks().stream().filter(b -> b.path().toString().equals(status.getBaseDisk()))
                    .map(BaseDisk::systemdVersion).filter(Objects::nonNull).findFirst().orElse(null);
        }
        if (found == null && starting) {
            found = images.local(spec.getImage()).map(images::systemdVersion)
                    .filter(OptionalInt::isPresent).map(OptionalInt::getAsInt).orElse(null);
        }
        status.setSystemdVersion(found);
        return found;
    }

    /** Whether pb mounts the spec's volumes over SSH: there are some, and the guest's systemd is known to ignore fstab.extra. */
    static boolean overSsh(BootcVmSpec spec, Integer systemd) {
        return !spec.volumesOrEmpty().isEmpty() && systemd != null && systemd < FSTAB_EXTRA;
    }

    /**
     * Refuses (VolumesUnsupported, exit 2), before anything is made for them, volumes this image's guests cannot
     * mount as the spec asks: a systemd that reads no SMBIOS credential; SSH-mounted volumes without a network;
     * a guest path a unit file cannot name.
     */
    static void check(String image, BootcVmSpec spec, Integer systemd) {
        if (spec.volumesOrEmpty().isEmpty() || systemd == null || systemd >= FSTAB_EXTRA) return;
        if (systemd < SMBIOS_CREDENTIALS) {
            throw Failure.VolumesUnsupported.with("image " + image + " has systemd " + systemd + ", which reads no SMBIOS credentials ("
                    + SMBIOS_CREDENTIALS + "+): pb cannot mount volumes in its guests");
        }
        if (spec.getNetwork() == NetworkMode.none) {
            throw Failure.VolumesUnsupported.with("image " + image + " has systemd " + systemd + ", which ignores the fstab.extra credential ("
                    + FSTAB_EXTRA + "+), so pb mounts its volumes over SSH, and network none leaves no SSH: drop --network none or the volumes");
        }
        for (VolumeMount v : spec.volumesOrEmpty()) {
            String p = v.getGuestPath();
            // a unit file's value ends at a trailing blank or continues after a trailing backslash
            if (p != null && (p.contains("\\") || !p.equals(p.strip()))) {
                throw Failure.VolumesUnsupported.with("volume guest path '" + p + "' cannot be named in a systemd mount unit, which"
                        + " image " + image + " (systemd " + systemd + ") needs: use a path without backslashes or blanks at its ends");
            }
        }
    }

    /** The credential a folder's unit is conditioned on: a hash of what the unit mounts where, and how. */
    static String token(SharedFolder f) {
        String what = f.tag() + "\0" + f.guestPath() + "\0" + (f.readOnly() ? "ro" : "rw");
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(what.getBytes(StandardCharsets.UTF_8));
            return TOKEN_PREFIX + HexFormat.of().formatHex(h).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SMBIOS strings a domain carries for its SSH-mounted folders: one credential per folder, its unit's condition. */
    static List<String> credentials(List<SharedFolder> folders) {
        List<String> out = new ArrayList<>();
        for (SharedFolder f : folders) out.add("io.systemd.credential:" + token(f) + "=" + f.tag());
        return out;
    }

    /**
     * The script root runs in the guest (POSIX sh): writes or keeps a unit per folder (the path made canonical in the
     * guest, as /mnt is a link into /var on bootc images and a unit must name the real path), removes pb's units of
     * volumes the VM no longer has, enables and starts them, and fails naming a volume that is not mounted.
     * A unit of that name pb did not write is left alone, and the volume refused.
     */
    static String script(List<SharedFolder> folders) {
        StringBuilder s = new StringBuilder();
        s.append("set -eu\n")
                .append("dir=/etc/systemd/system\n")
                .append("mark=").append(quote(MARK)).append('\n')
                .append("keep='' changed=''\n")
                .append("fail() { echo \"pb: $*\" >&2; exit 3; }\n")
                .append("put() {\n")
                .append("    where=$(realpath -m -- \"$2\")\n")
                .append("    name=$(systemd-escape --path --suffix=mount -- \"$where\")\n")
                .append("    [ \"$where\" != / ] || fail \"volume $2 is the root folder\"\n")
                .append("    if [ -e \"$dir/$name\" ] || [ -L \"$dir/$name\" ]; then\n")
                .append("        { [ -f \"$dir/$name\" ] && [ ! -L \"$dir/$name\" ] && [ \"$(head -n 1 \"$dir/$name\")\" = \"$mark\" ]; } ||\n")
                .append("            fail \"$dir/$name is not pb's: volume $2 is not mounted over it\"\n")
                .append("    fi\n")
                .append("    tmp=$(mktemp \"$dir/.pb-volume.XXXXXX\")\n")
                .append("    printf '%s\\n' \"$mark\" '[Unit]' \"Description=pb volume $1\" \"ConditionCredential=$4\" '' '[Mount]' \\\n")
                .append("        \"What=$1\" \"Where=$(printf '%s' \"$where\" | sed 's/%/%%/g')\" 'Type=virtiofs' \"Options=$3\" '' \\\n")
                .append("        '[Install]' 'WantedBy=local-fs.target' >\"$tmp\"\n")
                .append("    chmod 0644 \"$tmp\"\n")
                .append("    if cmp -s \"$tmp\" \"$dir/$name\"; then rm -f \"$tmp\"; else mv -f \"$tmp\" \"$dir/$name\"; changed=\"$changed $name\"; fi\n")
                .append("    keep=\"$keep $name\"\n")
                .append("}\n");
        for (SharedFolder f : folders) {
            s.append("put ").append(f.tag()).append(' ').append(quote(f.guestPath())).append(' ')
                    .append(f.readOnly() ? "ro" : "rw").append(' ').append(token(f)).append('\n');
        }
        s.append("for f in \"$dir\"/*.mount; do\n")
                .append("    [ -f \"$f\" ] && [ ! -L \"$f\" ] && [ \"$(head -n 1 \"$f\")\" = \"$mark\" ] || continue\n")
                .append("    n=${f##*/}\n")
                .append("    case \" $keep \" in *\" $n \"*) continue ;; esac\n")
                .append("    systemctl disable --quiet --now \"$n\" || fail \"cannot unmount $n, of a volume the VM no longer has\"\n")
                .append("    rm -f \"$f\"\n")
                .append("done\n")
                .append("systemctl daemon-reload\n")
                .append("for n in $keep; do systemctl enable --quiet \"$n\"; done\n")
                .append("for n in $changed; do systemctl restart \"$n\" || true; done\n")
                .append("for n in $keep; do systemctl start \"$n\" || true; done\n")
                .append("for n in $keep; do\n")
                .append("    systemctl is-active --quiet \"$n\" || fail \"volume $(systemctl show -P Where \"$n\") is not mounted ($n: \\\n")
                .append("$(systemctl show -P Result \"$n\"), condition $(systemctl show -P ConditionResult \"$n\")):\\\n")
                .append(" $(journalctl -u \"$n\" -b -n 3 --no-pager -o cat 2>/dev/null | tr '\\n' ' ')\"\n")
                .append("done\n")
                .append("echo \"pb: mounted$keep\"\n");
        return s.toString();
    }

    /** At a start: an SSH-mounted VM waits for its mounts; any other has no such condition. */
    static void started(StatusBuilder sb, boolean overSsh) {
        if (overSsh) sb.set(Conditions.VOLUMES_READY, false, "WaitingForSsh", "The volumes are mounted over SSH once it answers");
        else sb.remove(Conditions.VOLUMES_READY);
    }

    /**
     * Whether this boot still needs pb to mount: the volumes go over SSH and are not mounted yet in this boot. A
     * running domain that is not the desired one (RestartRequired) is left as it is: the next start mounts.
     */
    static boolean pending(StatusBuilder sb, boolean overSsh) {
        return overSsh && !sb.isTrue(Conditions.VOLUMES_READY) && !sb.isTrue(Conditions.RESTART_REQUIRED);
    }

    /**
     * Mounts the folders as root over SSH on {@code port} with the VM's key, recording VolumesReady. Returns the
     * failure (VolumeMountFailed, or what SSH failed with), which the caller records; null when they are mounted.
     */
    PbException mount(VmKey key, String host, int port, Path privateKey, List<SharedFolder> folders, StatusBuilder sb, Progress progress) {
        String where = folders.stream().map(SharedFolder::guestPath).collect(Collectors.joining(", "));
        progress.phase("Mounting volumes over SSH: " + where);
        PbException failed;
        try {
            Ssh.ScriptRun r = ssh.runScript(new Ssh.Target(host, port, "root", privateKey, layout.knownHosts(key)), script(folders), SCRIPT_TIMEOUT);
            if (r.ok()) {
                sb.set(Conditions.VOLUMES_READY, true, "Mounted", "Mounted over SSH (systemd units, kept across reboots): " + where);
                return null;
            }
            String why = lastLine(r.output());
            failed = Failure.VolumeMountFailed.with("cannot mount the volumes of VM " + key.name() + " (" + where + ") "
                    + (r.exitCode() == 255 ? "over SSH as root on " + host + ":" + port + ": " : "in the guest: ") + why);
        } catch (PbException e) {
            failed = e;
        }
        sb.set(Conditions.VOLUMES_READY, false, failed.reason(), failed.getMessage());
        return failed;
    }

    /** The last line that says something, control characters dropped: one line for a condition's message. */
    static String lastLine(String output) {
        String last = "no output";
        for (String line : (output == null ? "" : output).split("\n")) {
            String l = line.replaceAll("\\p{Cntrl}", " ").strip();
            if (!l.isEmpty()) last = l;
        }
        return last.startsWith("pb: ") ? last.substring(4) : last;
    }

    /** One shell word, whatever it holds. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
