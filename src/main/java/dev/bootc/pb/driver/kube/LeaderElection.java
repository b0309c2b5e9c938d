package dev.bootc.pb.driver.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.context.Dependent;

import java.time.Duration;

/**
 * One active operator per node: a {@code coordination.k8s.io} Lease named {@code pb-operator-NODE} in
 * the client's namespace. A second operator for the same node waits; when the first dies, the lease
 * runs out and it takes over within {@link #LEASE} + {@link #RETRY} (12 s). An operator that loses its
 * lease (while not stopping) exits, so its supervisor (systemd, the DaemonSet) starts it again as a follower.
 */
@ApplicationScoped
public class LeaderElection {
    private static final Logger LOG = Logger.getLogger(LeaderElection.class);
    private volatile boolean stopping;

    static final Duration LEASE = Duration.ofSeconds(10);
    static final Duration RENEW = Duration.ofSeconds(8);
    static final Duration RETRY = Duration.ofSeconds(2);

    /** Null (no leader election) only when the wiring says so: @Dependent, as CDI allows a null product only there. */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(ControllerWiring wiring, KubernetesClient client) {
        if (!wiring.parts().leaderElection()) return null;
        String node = wiring.parts().filter().node();
        String namespace = client.getNamespace() == null ? "default" : client.getNamespace();
        String identity = node + "-" + ProcessHandle.current().pid();
        LeaderCallbacks callbacks = new LeaderCallbacks(
                () -> LOG.infof("Operator %s is the active one of node %s", identity, node),
                () -> {
                    if (stopping) return;
                    LOG.errorf("Operator %s lost the lease of node %s: exiting, to be started again as a follower", identity, node);
                    Quarkus.asyncExit(1);
                },
                leader -> LOG.infof("The active operator of node %s is %s", node, leader));
        return new LeaderElectionConfiguration("pb-operator-" + node, namespace, LEASE, RENEW, RETRY, identity, callbacks, false);
    }

    /** Giving the lease up on the way out is no loss of it. */
    void onStop(@Observes @Priority(1) ShutdownEvent event) {
        stopping = true;
    }
}
