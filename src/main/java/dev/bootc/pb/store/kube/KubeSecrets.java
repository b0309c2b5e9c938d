package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.port.Secrets;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Secrets of a cluster's namespaces, each read when a BootcVm names it (one GET, never a list or a
 * watch): the operator needs {@code get} on {@code secrets}, and nothing more of them.
 */
final class KubeSecrets implements Secrets {
    private final KubernetesClient client;

    KubeSecrets(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<Map<String, String>> data(String namespace, String name) {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            String msg = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            String first = msg == null ? "no message" : msg.lines().findFirst().orElse("");
            throw Failure.KubernetesError.with("Cannot read Secret " + namespace + "/" + name + " (spec.cloudInit.secretRef): " + first
                    + (e.getCode() == 403 ? ": the operator needs get on secrets (deploy/rbac.yaml)" : ""), e);
        }
        if (secret == null) return Optional.empty();
        Map<String, String> out = new TreeMap<>();
        // a Secret's data is base64 on the wire; stringData is write-only, the API server folds it into data
        if (secret.getData() != null) {
            for (var e : secret.getData().entrySet()) {
                try {
                    out.put(e.getKey(), new String(Base64.getDecoder().decode(e.getValue() == null ? "" : e.getValue()), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException bad) {
                    throw Failure.KubernetesError.with("Secret " + namespace + "/" + name + ": key " + e.getKey() + " is not base64: " + bad.getMessage());
                }
            }
        }
        return Optional.of(out);
    }
}
