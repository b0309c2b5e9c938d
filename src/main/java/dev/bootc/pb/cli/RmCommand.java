package dev.bootc.pb.cli;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** pb rm: removes VMs, their disks and keys; base disks stay cached. */
@Command(name = "rm", aliases = "remove", description = "Remove VMs with their overlay disks and keys (the cached base disk stays). A running VM needs -f.")
class RmCommand extends BaseCommand {
    @Option(names = {"-f", "--force"}, description = "Remove running VMs too (stops them first).")
    boolean force;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static class Target {
        @Option(names = "--all", description = "Remove every VM of the namespace.")
        boolean all;

        @Parameters(paramLabel = "NAME", arity = "1..*", completionCandidates = VmNameCandidates.class, description = "VM names.")
        List<String> names;
    }

    @Override
    protected int execute() {
        List<String> names = target.all ? root().views().allNames() : target.names;
        // a malformed name is bad input: nothing is removed before every name is known to be well-formed
        for (String n : names) Validation.requireName("name", n);
        PbException first = null;
        for (String n : names) {
            try {
                root().lifecycle().remove(n, force, timed());
                out().println(n);
            } catch (PbException e) {
                err().println("Error: " + e.getMessage());
                if (first == null) first = e;
            }
        }
        return first == null ? ok() : first.exitCode();
    }
}
