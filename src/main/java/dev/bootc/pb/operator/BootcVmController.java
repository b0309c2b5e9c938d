package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.reconcile.Outcome;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.StoreSemantics;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The Kubernetes driver: JOSDK calls it for every BootcVm of this node (see {@link ThisNodeFilter});
 * it runs the same reconcile core as the file store, records Kubernetes Events, and cleans up
 * through the finalizer.
 */
@ControllerConfiguration(name = "bootcvm", finalizerName = BootcVm.FINALIZER, generationAwareEventProcessing = false,
        informer = @Informer(genericFilter = ThisNodeFilter.class))
public class BootcVmController implements Reconciler<BootcVm>, Cleaner<BootcVm> {
    private static final Logger LOG = Logger.getLogger(BootcVmController.class);

    @Inject
    KubernetesClient client;

    private VmReconciler core;

    private synchronized VmReconciler core() {
        if (core == null) {
            var supplier = OperatorSettings.reconciler();
            if (supplier == null) throw new IllegalStateException("pb operator did not configure the controller");
            core = supplier.get();
        }
        return core;
    }

    @Override
    public List<EventSource<?, BootcVm>> prepareEventSources(EventSourceContext<BootcVm> context) {
        return List.of(new LibvirtEventSource(() -> core().world()));
    }

    @Override
    public UpdateControl<BootcVm> reconcile(BootcVm vm, Context<BootcVm> context) {
        Outcome o = VmLocks.withLock(OperatorSettings.lockDir(), vm, () -> core().reconcile(vm, "missing",
                line -> LOG.infof("%s: %s", vm.key(), line)));
        record(vm, o);
        BootcVm next = Json.copy(vm, BootcVm.class);
        next.setStatus(o.status());
        UpdateControl<BootcVm> control = StoreSemantics.statusChanged(vm, next) ? UpdateControl.patchStatus(next) : UpdateControl.noUpdate();
        if (o.requeueAfter() != null) control.rescheduleAfter(o.requeueAfter().toMillis());
        return control;
    }

    @Override
    public DeleteControl cleanup(BootcVm vm, Context<BootcVm> context) {
        BootcVm deleting = Json.copy(vm, BootcVm.class);
        if (deleting.getMetadata().getDeletionTimestamp() == null) deleting.getMetadata().setDeletionTimestamp(Instant.now().toString());
        Outcome o = VmLocks.withLock(OperatorSettings.lockDir(), vm, () -> core().reconcile(deleting, "missing",
                line -> LOG.infof("%s: %s", vm.key(), line)));
        record(vm, o);
        return DeleteControl.defaultDelete();
    }

    /** Kubernetes Events with enum reasons; recording is best effort and never fails a reconcile. */
    private void record(BootcVm vm, Outcome o) {
        if (client == null) return;
        for (Outcome.Event e : o.events()) {
            try {
                String now = Instant.now().toString();
                client.v1().events().inNamespace(vm.getMetadata().getNamespace()).resource(new EventBuilder()
                        .withNewMetadata().withName(vm.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                        .withNamespace(vm.getMetadata().getNamespace()).endMetadata()
                        .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(BootcVm.API_VERSION).withKind(BootcVm.KIND)
                                .withName(vm.getMetadata().getName()).withNamespace(vm.getMetadata().getNamespace())
                                .withUid(vm.getMetadata().getUid()).build())
                        .withReason(e.reason().name()).withMessage(e.message()).withType(e.warning() ? "Warning" : "Normal")
                        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                        .withNewSource().withComponent("pb-operator").withHost(OperatorSettings.nodeName()).endSource()
                        .build()).create();
            } catch (RuntimeException ex) {
                LOG.debugf("Could not record event %s for %s: %s", e.reason(), vm.key(), ex.getMessage());
            }
        }
    }
}
