package dev.bootc.pb;

import dev.bootc.pb.boot.KubeStores;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.cli.Cli;
import dev.bootc.pb.driver.kube.ControllerWiring;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * {@code pb operator --store kube}: the Kubernetes controller, inside Quarkus and the Java Operator
 * SDK. It reads its options as every verb does, builds the composition root on the framework's
 * Kubernetes client, hands the controller its parts, and runs until stopped.
 */
public class KubeOperatorApp implements QuarkusApplication {
    private static final Logger LOG = Logger.getLogger(KubeOperatorApp.class);

    @Inject
    Instance<Operator> operator;
    @Inject
    ControllerWiring wiring;
    @Inject
    KubernetesClient client;

    @Override
    public int run(String... args) {
        Cli.OperatorArgs a = Cli.operatorArgs(args);
        try (Root root = KubeStores.operatorRoot(a.config(), client)) {
            root.wire(wiring, a.node()); // before the operator is made: its configuration reads the node
            operator.get().start();
            LOG.infof("pb operator: node %s, Kubernetes %s, libvirt %s", a.node(), client.getMasterUrl(), a.config().libvirtUri());
            try (AutoCloseable claims = root.claimUnassigned(client, a.node())) {
                Quarkus.waitForExit();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return 0;
    }
}
