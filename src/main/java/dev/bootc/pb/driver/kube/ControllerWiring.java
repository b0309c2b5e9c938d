package dev.bootc.pb.driver.kube;

import dev.bootc.pb.driver.DriverSupport;
import dev.bootc.pb.driver.NodeFilter;
import dev.bootc.pb.port.Domains;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What the Kubernetes controller works with, handed over by the composition root once it has read
 * the configuration and before the operator starts (the framework makes the controller itself).
 */
@ApplicationScoped
public class ControllerWiring {
    private volatile Parts parts;

    /**
     * The driver support, the node filter and the hypervisor of this operator; {@code leaderElection}
     * off only where the server serves no Leases (a test API server).
     */
    public record Parts(DriverSupport support, NodeFilter filter, Domains domains, boolean leaderElection) {
    }

    public void use(Parts value) {
        this.parts = value;
    }

    Parts parts() {
        Parts p = parts;
        if (p == null) throw new IllegalStateException("pb operator did not wire the controller before starting it");
        return p;
    }
}
