package dev.bootc.pb.cli;

import dev.bootc.pb.api.BootcVm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** pb get: the stored resource, as kubectl get -o shows it. */
@Command(name = "get", description = "Print a BootcVm resource as stored.")
class GetCommand extends BaseCommand {
    enum Format { yaml, json }

    @Parameters(paramLabel = "NAME", description = "VM name.")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "yaml|json", defaultValue = "yaml", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    protected int execute() {
        BootcVm vm = root().views().get(name);
        if (format == Format.json) out().println(Output.json(vm));
        else out().print(Output.yaml(vm));
        return ok();
    }
}
