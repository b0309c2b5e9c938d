package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** pb console: the VM's serial console on this terminal. */
@Command(name = "console", description = {"Attach this terminal to a VM's serial console (as virsh console); Ctrl-] leaves.",
        "Needs a terminal. Read-only alternative: pb logs -f NAME."})
class ConsoleCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Override
    protected int execute() {
        root().consoles().console(name);
        return ok();
    }
}
