package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.port.HostSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** pb doctor: what this host lacks, and the command that fixes it. */
@Command(name = "doctor", description = {"Check what this host needs (podman and a working container runtime, libvirtd at the URI, qemu-img, QEMU,",
        "UEFI firmware, swtpm, virtiofsd, KVM); knows apt (Debian, Ubuntu) and dnf (Fedora, CentOS Stream, RHEL) hosts.",
        "Exits 1 when something required is missing."})
class DoctorCommand extends BaseCommand {
    @Option(names = "--fix", description = "Install what is missing with apt-get or dnf, make podman use runc where its default runtime fails, and start libvirt (by hand where no init system does).")
    boolean fix;

    @Override
    protected int execute() throws Exception {
        HostSetup doctor = root().doctor();
        List<HostSetup.Check> checks = fix ? doctor.fix(this::progress) : doctor.checks();
        boolean allOk = true;
        for (HostSetup.Check c : checks) {
            String mark = c.ok() ? "ok  " : (c.required() ? "MISSING" : "warn");
            out().println(String.format("%-8s %-28s %s", mark, c.name(), c.detail()));
            if (!c.ok()) {
                out().println(String.format("%-8s %-28s fix: %s", "", "", c.fix()));
                if (c.required()) allOk = false;
            }
        }
        return allOk ? ok() : ExitCodes.FAILURE;
    }
}
