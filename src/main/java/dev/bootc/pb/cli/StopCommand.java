package dev.bootc.pb.cli;

import dev.bootc.pb.api.RunStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** pb stop: runStrategy Halted; the disk is kept. */
@Command(name = "stop", description = "Stop a VM (graceful shutdown; its disk is kept).")
class StopCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Override
    protected int execute() {
        root().lifecycle().stop(name, timed());
        out().println(name);
        return ok();
    }
}
