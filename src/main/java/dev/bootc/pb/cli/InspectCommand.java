package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** pb inspect: the resource joined with what libvirt shows now. */
@Command(name = "inspect", description = {"Show a VM: its resource, its status, and its domain as libvirt shows it now.",
        "-o jsonpath=TEMPLATE prints fields as kubectl does, like: pb inspect vm -o jsonpath='{.runtime.sshPort}'"})
class InspectCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Option(names = {"-o", "--output", "--format"}, paramLabel = "yaml|json|jsonpath=TEMPLATE", defaultValue = "yaml",
            converter = OutputFormat.Converter.class,
            description = "Output format (default: yaml); jsonpath=TEMPLATE as kubectl's (missing fields print nothing).")
    OutputFormat format;

    @Override
    protected int execute() {
        out().print(format.render(root().views().inspect(name)));
        return ok();
    }
}
