package dev.bootc.pb.port;

import dev.bootc.pb.api.Failure;

import java.util.Map;
import java.util.Optional;

/**
 * The Secrets of the store's namespaces, which a BootcVm may name for its cloud-init data
 * ({@code spec.cloudInit.secretRef}): on a cluster, the API server's; the file store has none.
 */
public interface Secrets {
    /**
     * The data of Secret {@code name} in {@code namespace}, key to value (decoded as UTF-8), or empty when
     * there is no such Secret. Fails with KubernetesError when the store cannot be asked (retried), and
     * with InvalidCloudInit where the store has no Secrets (for good).
     */
    Optional<Map<String, String>> data(String namespace, String name);

    /** A store without Secrets (the file store): every lookup is refused, for good. */
    Secrets NONE = (namespace, name) -> {
        throw Failure.InvalidCloudInit.with("spec.cloudInit.secretRef: the file store has no Secrets (Secret " + name
                + " of BootcVm namespace " + namespace + "): give spec.cloudInit.path or userData instead, or use --store kube");
    };
}
