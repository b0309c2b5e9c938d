package dev.bootc.pb.boot;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.store.kube.KubeEvents;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.util.function.Supplier;

/**
 * The cluster side of the composition root, apart so that no other class of it refers to the
 * Kubernetes client: a file-store verb never loads it.
 */
public final class KubeStores {
    private KubeStores() {
    }

    /** {@code --store kube} verbs: a fabric8 client from the kubeconfig (and its context), shared by the store and the events. */
    static Root.Parts verbParts(Config c, Supplier<Images> images, Supplier<Disks> disks, Supplier<Domains> domains, Supplier<Ssh> ssh) {
        Supplier<KubeVmStore> store = Root.memo(() -> open(c));
        return new Root.Parts(images, disks, domains, ssh, store::get, Root.memo(() -> new KubeEvents(store.get().client(), c.node())));
    }

    /** The Kubernetes operator's root: the cluster client is the framework's. */
    public static Root operatorRoot(Config c, KubernetesClient client) {
        return new Root(c, Root.realParts(c, () -> new KubeVmStore(client, false), () -> new KubeEvents(client, c.node())));
    }

    /** Starts labelling and claiming the cluster's BootcVms that have no node label. */
    static AutoCloseable claims(KubernetesClient client, dev.bootc.pb.port.Domains domains, String node) {
        dev.bootc.pb.driver.kube.NodeClaims claims = new dev.bootc.pb.driver.kube.NodeClaims(client, domains, node);
        claims.start();
        return claims;
    }

    private static KubeVmStore open(Config c) {
        try {
            io.fabric8.kubernetes.client.Config k = c.kubeconfig().isPresent()
                    ? io.fabric8.kubernetes.client.Config.fromKubeconfig(c.kubeContext(), c.kubeconfig().get().toFile())
                    : io.fabric8.kubernetes.client.Config.autoConfigure(c.kubeContext());
            // a command answers at once when the API server is not there, as kubectl does (the client's default
            // is ten retries with a doubling wait: 20 s for a refused connection); the operator keeps them
            k.setRequestRetryBackoffLimit(1);
            return new KubeVmStore(new KubernetesClientBuilder().withConfig(k).build(), true);
        } catch (RuntimeException e) {
            throw Failure.KubernetesError.with("Cannot configure a Kubernetes client" + (c.kubeContext() == null ? "" : " for context "
                    + c.kubeContext()) + ": " + e.getMessage() + ": check your kubeconfig or use --store file");
        }
    }
}
