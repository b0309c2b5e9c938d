package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.driver.DriverSupport;
import dev.bootc.pb.store.kube.KubeBootcVm;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurableReconciler;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The Kubernetes driver: the Java Operator SDK brings the events of BootcVms and libvirt's lifecycle
 * events; each becomes one pass of the driver support, the same as on the file store. The status
 * write, the back-off and the cleanup are the driver support's: the SDK only adds pb's finalizer (so
 * it calls {@link #cleanup} once a resource is marked for deletion; the Quarkus extension does not
 * pass on the SDK's mode that brings deletions to {@code reconcile}), and the driver support removes it.
 */
@ControllerConfiguration(name = "bootcvm", finalizerName = BootcVm.FINALIZER, generationAwareEventProcessing = false)
public class BootcVmController implements ConfigurableReconciler<KubeBootcVm>, Cleaner<KubeBootcVm> {
    /** Passes come from events; this is the safety net. */
    static final Duration RESYNC = Duration.ofMinutes(10);

    private static final Logger LOG = Logger.getLogger(BootcVmController.class);

    @Inject
    ControllerWiring wiring;

    /**
     * Made when the operator is created, after pb wired it: the informer asks the server for this
     * node's BootcVms only (the node label), so an operator never receives another node's VMs.
     */
    @Override
    public void updateConfigurationFrom(ControllerConfigurationOverrider<KubeBootcVm> configuration) {
        configuration.withLabelSelector(BootcVm.NODE_LABEL + "=" + wiring.parts().filter().node());
        configuration.withReconciliationMaxInterval(RESYNC);
    }

    @Override
    public List<EventSource<?, KubeBootcVm>> prepareEventSources(EventSourceContext<KubeBootcVm> context) {
        // after a lost libvirt connection, every VM of the informer's cache (this node's) is looked at again
        return List.of(new DomainEventSource(() -> wiring.parts().domains(),
                () -> context.getPrimaryCache().list().map(ResourceID::fromResource).toList()));
    }

    @Override
    public UpdateControl<KubeBootcVm> reconcile(KubeBootcVm resource, Context<KubeBootcVm> context) {
        UpdateControl<KubeBootcVm> control = UpdateControl.noUpdate();
        pass(resource).ifPresent(next -> control.rescheduleAfter(next.toMillis()));
        return control;
    }

    /** A resource marked for deletion: the pass cleans up and lets it go; the finalizer is already removed then. */
    @Override
    public DeleteControl cleanup(KubeBootcVm resource, Context<KubeBootcVm> context) {
        DeleteControl control = DeleteControl.noFinalizerRemoval();
        pass(resource).ifPresent(next -> control.rescheduleAfter(next.toMillis()));
        return control;
    }

    /** One pass of the driver support on a resource of this node; when to look again. */
    private Optional<Duration> pass(KubeBootcVm resource) {
        BootcVm vm = KubeVmStore.toModel(resource);
        ControllerWiring.Parts parts = wiring.parts();
        if (!parts.filter().mine(vm)) return Optional.empty();
        VmKey key = VmKey.of(vm);
        DriverSupport.Pass pass = parts.support().pass(key, line -> LOG.infof("%s: %s", key, line));
        if (pass.outcome() != null && pass.outcome().failure() != null) LOG.warnf("%s: %s", key, pass.outcome().failure().getMessage());
        return Optional.ofNullable(pass.next());
    }
}
