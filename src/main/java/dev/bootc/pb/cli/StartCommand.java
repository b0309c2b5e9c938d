package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** pb start: runStrategy Always; boots again on the same disk. */
@Command(name = "start", description = "Start a stopped VM on its existing disk.")
class StartCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Override
    protected int execute() {
        root().lifecycle().start(name, timed());
        out().println(name);
        return ok();
    }
}
