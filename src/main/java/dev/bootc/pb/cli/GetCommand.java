package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** pb get: the stored resource, as kubectl get -o shows it. */
@Command(name = "get", description = "Print a BootcVm resource as stored.")
class GetCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json|jsonpath=TEMPLATE", defaultValue = "yaml",
            converter = OutputFormat.Converter.class, description = "Output format (default: yaml); jsonpath=TEMPLATE as kubectl's.")
    OutputFormat format;

    @Override
    protected int execute() {
        out().print(format.render(root().views().get(name)));
        return ok();
    }
}
