package dev.bootc.pb.driver.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.store.kube.KubeBootcVm;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * BootcVms without the node label, as {@code kubectl apply} or GitOps may create them: one that names
 * its node gets that node's label; one with no node is claimed by exactly one operator. The rule: the
 * host with the most free memory (as libvirt reports it) tries first, since every operator waits
 * {@link #SPREAD} times the used share of its host's memory (plus up to 200 ms at random) before it
 * tries; a claim is an update on the resource's resourceVersion, so one operator wins and the others
 * find the VM taken. Then the node's informer (label selector) brings it to that node's controller.
 */
public final class NodeClaims implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeClaims.class);
    static final Duration SPREAD = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final KubeVmStore store;
    private final Domains domains;
    private final String node;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pb-node-claims");
        t.setDaemon(true);
        return t;
    });
    private SharedIndexInformer<KubeBootcVm> informer;

    public NodeClaims(KubernetesClient client, Domains domains, String node) {
        this.client = client;
        this.store = new KubeVmStore(client, false);
        this.domains = domains;
        this.node = node;
    }

    public void start() {
        informer = client.resources(KubeBootcVm.class).inAnyNamespace().withoutLabel(BootcVm.NODE_LABEL).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(KubeBootcVm r) {
                schedule(r);
            }

            @Override
            public void onUpdate(KubeBootcVm old, KubeBootcVm r) {
                schedule(r);
            }

            @Override
            public void onDelete(KubeBootcVm r, boolean unknownFinalState) {
            }
        });
    }

    private void schedule(KubeBootcVm r) {
        BootcVm vm = KubeVmStore.toModel(r);
        long delay = vm.getSpec() != null && vm.getSpec().getNodeName() != null ? 0 : claimDelay().toMillis();
        timer.schedule(() -> settle(vm.getMetadata().getNamespace(), vm.getMetadata().getName()), delay, TimeUnit.MILLISECONDS);
    }

    private Duration claimDelay() {
        double used;
        try {
            used = domains.memory().usedFraction();
        } catch (PbException e) {
            used = 1;
        }
        return Duration.ofMillis((long) (SPREAD.toMillis() * used) + ThreadLocalRandom.current().nextLong(200));
    }

    /** Labels a VM with its node, claiming it for this node first when it has none. */
    void settle(String namespace, String name) {
        try {
            BootcVm vm = store.get(namespace, name).orElse(null);
            if (vm == null || vm.isDeleting() || vm.getMetadata().getLabels() != null && vm.getMetadata().getLabels().containsKey(BootcVm.NODE_LABEL)) {
                return;
            }
            boolean claim = vm.getSpec().getNodeName() == null;
            if (claim) vm.getSpec().setNodeName(node);
            var labels = vm.getMetadata().getLabels() == null ? new HashMap<String, String>() : new HashMap<>(vm.getMetadata().getLabels());
            labels.put(BootcVm.NODE_LABEL, vm.getSpec().getNodeName());
            vm.getMetadata().setLabels(labels);
            store.update(vm); // on the resourceVersion read above: a later change, or another claim, is a conflict
            if (claim) LOG.infof("%s: claimed for node %s", vm.key(), node);
        } catch (PbException e) {
            if (!e.isConflict() && !e.isNotFound()) LOG.warnf("%s/%s: cannot settle its node: %s", namespace, name, e.getMessage());
        }
    }

    @Override
    public void close() {
        if (informer != null) informer.close();
        timer.shutdownNow();
    }
}
