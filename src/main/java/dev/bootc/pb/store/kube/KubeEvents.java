package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.store.EventLog;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** Kubernetes Events of BootcVms, with enum reasons, reported by {@code pb-operator} on this node. */
public final class KubeEvents implements EventLog {
    private static final Logger LOG = Logger.getLogger(KubeEvents.class);

    private final KubernetesClient client;
    private final String node;

    public KubeEvents(KubernetesClient client, String node) {
        this.client = client;
        this.node = node;
    }

    @Override
    public void record(BootcVm vm, String reason, String message, boolean warning) {
        try {
            String now = Instant.now().toString();
            client.v1().events().inNamespace(vm.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(vm.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .withNamespace(vm.getMetadata().getNamespace()).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(BootcVm.API_VERSION).withKind(BootcVm.KIND)
                            .withName(vm.getMetadata().getName()).withNamespace(vm.getMetadata().getNamespace())
                            .withUid(vm.getMetadata().getUid()).build())
                    .withReason(reason).withMessage(message).withType(warning ? "Warning" : "Normal")
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent("pb-operator").withHost(node).endSource()
                    .build()).create();
        } catch (RuntimeException ex) {
            LOG.debugf("Could not record event %s for %s: %s", reason, vm.key(), ex.getMessage());
        }
    }

    @Override
    public List<Recorded> recent(VmKey key, int max) {
        try {
            List<Event> events = client.v1().events().inNamespace(key.namespace())
                    .withField("involvedObject.name", key.name()).list().getItems();
            return events.stream()
                    .filter(e -> e.getInvolvedObject() != null && BootcVm.KIND.equals(e.getInvolvedObject().getKind()))
                    .sorted(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
                    .skip(Math.max(0, events.size() - max))
                    .map(e -> new Recorded(e.getLastTimestamp(), e.getType(), e.getReason(), e.getMessage()))
                    .toList();
        } catch (RuntimeException e) {
            LOG.debugf("Could not read the events of %s: %s", key, e.getMessage());
            return List.of();
        }
    }

    @Override
    public void forget(VmKey key) {
        // Kubernetes expires Events by itself
    }
}
