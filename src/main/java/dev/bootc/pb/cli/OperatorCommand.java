package dev.bootc.pb.cli;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.boot.Config;
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

    @Option(names = "--trusted-image", paramLabel = "PREFIX", description = {"--store kube: images whose reference starts with PREFIX",
            "may run their own bootc install as root on this host (faster); others are built in an installer VM. Repeatable;",
            "none by default (env PB_TRUSTED_IMAGES, comma-separated)."})
    java.util.List<String> trustedImages = new java.util.ArrayList<>();

    @Option(names = "--allow-host-path", paramLabel = "DIR", description = {"--store kube: BootcVms may share (volumes) or read",
            "(cloudInit.path) host folders under DIR. Repeatable; none by default (env PB_ALLOWED_HOST_PATHS)."})
    java.util.List<String> allowedHostPaths = new java.util.ArrayList<>();

    @Option(names = "--allow-host-address", paramLabel = "IP", description = {"--store kube: forwarded ports may bind IP besides",
            "127.0.0.1. Repeatable; none by default (env PB_ALLOWED_HOST_ADDRESSES)."})
    java.util.List<String> allowedAddresses = new java.util.ArrayList<>();

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

    /** The configuration with this command line's admin lists added (checked as the environment's are). */
    Config withPolicy(Config config) {
        return config.withPolicy(
                trustedImages.stream().map(i -> NodePolicy.requireImagePrefix("--trusted-image", i)).toList(),
                allowedHostPaths.stream().map(p -> Config.real(NodePolicy.requireFolder("--allow-host-path", p))).toList(),
                allowedAddresses.stream().map(a -> NodePolicy.requireAddress("--allow-host-address", a)).toList());
    }
}
