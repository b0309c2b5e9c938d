package dev.bootc.pb.cli;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.boot.StoreKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** pb operator: keep every BootcVm of this host reconciled, for the file store or a cluster. */
@Command(name = "operator", description = {"Keep every BootcVm of this node reconciled until stopped.",
        "--store file: watches the store folder and libvirt events. --store kube: runs the Kubernetes controller",
        "(kubeconfig or in-cluster config, as the Quarkus Kubernetes client finds it)."})
class OperatorCommand extends BaseCommand {
    @Option(names = "--node-name", paramLabel = "NAME", description = "This host's node name (default: env NODE_NAME, else the host name).")
    String nodeName;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Reconciles at once, file store (default: ${DEFAULT-VALUE}).")
    int workers;

    @Override
    protected int execute() throws Exception {
        var config = root().config();
        String node = nodeName != null ? nodeName : config.node();
        if (config.store() == StoreKind.kube) {
            // the launcher's main starts the Kubernetes operator inside Quarkus before picocli gets here
            throw Failure.NoOperator.with("pb operator --store kube runs through the pb launcher (java -jar quarkus-run.jar), not in-process");
        }
        root().runFileOperator(node, workers, () ->
                progress("pb operator: node " + node + ", file store " + config.storeDir() + ", libvirt " + config.libvirtUri()));
        return ok();
    }
}
