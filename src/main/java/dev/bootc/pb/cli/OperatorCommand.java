package dev.bootc.pb.cli;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.operator.FileStoreOperator;
import dev.bootc.pb.operator.OperatorSettings;
import dev.bootc.pb.service.Engine;
import dev.bootc.pb.service.VmService;
import dev.bootc.pb.store.StoreKind;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.Quarkus;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

/** pb operator: keep every BootcVm of this host reconciled, for the file store or a cluster. */
@Command(name = "operator", description = {"Keep every BootcVm of this node reconciled until stopped.",
        "--store file: watches the store folder and libvirt events. --store kube: runs the Kubernetes controller",
        "(kubeconfig or in-cluster config, as the Quarkus Kubernetes client finds it)."})
class OperatorCommand extends BaseCommand {
    @Option(names = "--node-name", paramLabel = "NAME", description = "This host's node name (default: env NODE_NAME, else the host name).")
    String nodeName;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2", description = "Reconciles at once, file store (default: ${DEFAULT-VALUE}).")
    int workers;

    @Inject
    Instance<Operator> operator;

    @Override
    protected int execute() throws Exception {
        String node = nodeName != null ? nodeName : VmService.localNodeName();
        Engine engine = ctx().engine();
        if (ctx().storeKind() == StoreKind.file) {
            FileStoreOperator op = new FileStoreOperator(ctx().store(), engine.driver(), engine.world().hypervisor(), node, workers,
                    Duration.ofSeconds(30));
            Runtime.getRuntime().addShutdownHook(new Thread(op::close));
            op.start();
            progress("pb operator: node " + node + ", " + ctx().store().describe() + ", libvirt " + ctx().libvirtUri());
            op.awaitStop();
            return ok();
        }
        if (operator == null || !operator.isResolvable()) {
            throw new PbException.Failed("NoOperator", "The Kubernetes operator is not available in this build");
        }
        OperatorSettings.configure(node, engine::reconciler, ctx().paths().dataRoot().resolve("locks"));
        Operator op = operator.get();
        op.start();
        progress("pb operator: node " + node + ", Kubernetes, libvirt " + ctx().libvirtUri());
        Quarkus.waitForExit();
        return ok();
    }
}
