package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** pb operator: keep every BootcVm of this host reconciled, for the file store or a cluster. */
@Command(name = "operator", description = {"Keep every BootcVm of this node reconciled until stopped.",
        "--store file: watches the store folder and libvirt events. --store kube: runs the Kubernetes controller."})
class OperatorCommand extends BaseCommand {
    @Option(names = "--node-name", paramLabel = "NAME", description = "This host's node name (default: env NODE_NAME, else the host name).")
    String nodeName;

    @Override
    protected int execute() throws Exception {
        return OperatorLauncher.run(ctx(), nodeName, this::progress);
    }
}
