package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** pb rollback: a running VM boots its rollback deployment (bootc rollback, one reboot). */
@Command(name = "rollback", description = {
        "Boot a running VM's rollback deployment (the image it booted before its last update), as bootc rollback",
        "does, with one reboot; /var is kept, /etc is the rollback deployment's own."})
class RollbackCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Option(names = "--check", description = "Only say what the rollback deployment is; reboot nothing.")
    boolean check;

    @Override
    protected int execute() {
        UpdateReports.print(out(), root().updates().rollback(name, check, timed()));
        return ok();
    }
}
