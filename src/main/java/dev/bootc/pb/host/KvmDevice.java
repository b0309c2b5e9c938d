package dev.bootc.pb.host;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the user libvirt runs QEMU as may open {@code /dev/kvm}. libvirt probes QEMU's capabilities with a QEMU
 * that finds KVM when the device opens for it, and later checks the device against that user: when the device's
 * group is not one of the user's (a chroot's package scripts that ran {@code chgrp kvm /dev/kvm} with the chroot's
 * group id, a container runtime), every call finds the cached capabilities outdated ("KVM was enabled when probing
 * ..., but it is not available now", libvirt 9.0) and probes QEMU again: a define took 56 s on an idle host here
 * (14 probes of 4 s), 0.02 s once the device's group was the user's again. VMs still run, under TCG where KVM is
 * not real, so nothing fails: every pb verb that reaches libvirt is just minutes slower.
 */
final class KvmDevice {
    private static final Pattern CONF_USER = Pattern.compile("(?m)^\\s*user\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern UID = Pattern.compile("^uid=(\\d+)");
    private static final Pattern GROUP = Pattern.compile("(\\d+)\\(([^)]*)\\)");

    private KvmDevice() {
    }

    /**
     * The finding for root's libvirt, when the device exists and the QEMU user is known (qemu.conf's {@code user},
     * else the distributions' defaults: libvirt-qemu on Debian and Ubuntu, qemu on Fedora and RHEL).
     */
    static Optional<HostDoctor.Finding> finding(Path device, Path qemuConf, ProcessRunner runner) {
        if (!Files.exists(device, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(device, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
        List<String> candidates = configuredUser(qemuConf).map(List::of).orElse(List.of("libvirt-qemu", "qemu"));
        for (String user : candidates) {
            Optional<Ids> ids = ids(user, runner);
            if (ids.isEmpty()) continue;
            int uid = (Integer) attrs.get("uid");
            int gid = (Integer) attrs.get("gid");
            int mode = (Integer) attrs.get("mode");
            String name = device + " for libvirt's QEMU (" + user + ")";
            if (usable(ids.get(), uid, gid, mode)) return Optional.of(new HostDoctor.Finding(name, true, false, user + " may open it", List.of(), ""));
            String fix = ids.get().groupNamed("kvm").map(kvm -> "chgrp kvm " + device + " && chmod 0660 " + device
                    + " (udev's rule: KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0660\")").orElse("usermod -aG " + gid + " " + user);
            return Optional.of(new HostDoctor.Finding(name, false, false, "its group " + gid + " is not one of " + user + "'s ("
                    + String.join(", ", ids.get().groupNames()) + "): libvirt probes QEMU again on every call, each pb verb waits minutes",
                    List.of(), fix));
        }
        return Optional.empty();
    }

    static boolean usable(Ids ids, int ownerUid, int ownerGid, int mode) {
        if (ids.uid() == 0) return true;
        int rw = 06;
        if (ids.uid() == ownerUid) return (mode >> 6 & rw) == rw;
        if (ids.gids().contains(ownerGid)) return (mode >> 3 & rw) == rw;
        return (mode & rw) == rw;
    }

    static Optional<String> configuredUser(Path qemuConf) {
        try {
            Matcher m = CONF_USER.matcher(Files.readString(qemuConf));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A user's ids, from {@code id USER}: {@code uid=64055(libvirt-qemu) gid=107(kvm) groups=107(kvm),64055(libvirt-qemu)}. */
    record Ids(int uid, List<Integer> gids, List<String> groupNames) {
        static Optional<Ids> parse(String id) {
            Matcher u = UID.matcher(id.strip());
            int at = id.indexOf("groups=");
            if (!u.find() || at < 0) return Optional.empty();
            List<Integer> gids = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Matcher g = GROUP.matcher(id.substring(at));
            while (g.find()) {
                gids.add(Integer.parseInt(g.group(1)));
                names.add(g.group(2));
            }
            return Optional.of(new Ids(Integer.parseInt(u.group(1)), List.copyOf(gids), List.copyOf(names)));
        }

        Optional<String> groupNamed(String name) {
            return groupNames.contains(name) ? Optional.of(name) : Optional.empty();
        }
    }

    private static Optional<Ids> ids(String user, ProcessRunner runner) {
        try {
            ProcessResult r = runner.run(Command.of("id", user).timeout(Duration.ofSeconds(10)));
            return r.ok() ? Ids.parse(r.stdout()) : Optional.empty();
        } catch (PbException e) {
            return Optional.empty();
        }
    }
}
