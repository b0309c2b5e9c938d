package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** pb inspect: the resource joined with what libvirt shows now. */
@Command(name = "inspect", description = "Show a VM: its resource, its status, and its domain as libvirt shows it now.")
class InspectCommand extends BaseCommand {
    enum Format { yaml, json }

    @Parameters(paramLabel = "NAME", description = "VM name.")
    String name;

    @Option(names = "--format", paramLabel = "yaml|json", defaultValue = "yaml", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    protected int execute() {
        Object view = root().views().inspect(name);
        if (format == Format.json) out().println(Output.json(view));
        else out().print(Output.yaml(view));
        return ok();
    }
}
