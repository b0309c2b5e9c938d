package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.port.Secrets;
import dev.bootc.pb.store.VmStore;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * BootcVm resources in a Kubernetes cluster, through fabric8. The API server enforces the object
 * rules. The model is converted to fabric8's frame ({@link KubeBootcVm}) here, at the edge.
 */
public final class KubeVmStore implements VmStore {
    private final KubernetesClient client;
    private final boolean ownsClient;

    public KubeVmStore(KubernetesClient client, boolean ownsClient) {
        this.client = client;
        this.ownsClient = ownsClient;
    }

    public KubernetesClient client() {
        return client;
    }

    /** The model of a resource as fabric8 read it. */
    public static BootcVm toModel(KubeBootcVm r) {
        return r == null ? null : Json.mapper().convertValue(r, BootcVm.class);
    }

    /** fabric8's frame of a model resource. */
    public KubeBootcVm toKube(BootcVm vm) {
        return client.getKubernetesSerialization().convertValue(Json.tree(vm), KubeBootcVm.class);
    }

    @Override
    public String describe() {
        return "Kubernetes cluster " + client.getMasterUrl();
    }

    private MixedOperation<KubeBootcVm, KubernetesResourceList<KubeBootcVm>, Resource<KubeBootcVm>> vms() {
        return client.resources(KubeBootcVm.class);
    }

    @Override
    public Optional<BootcVm> get(String namespace, String name) {
        return call("read", namespace + "/" + name, () -> Optional.ofNullable(toModel(vms().inNamespace(namespace).withName(name).get())));
    }

    @Override
    public List<BootcVm> list(String namespace) {
        return call("list", namespace == null ? "all namespaces" : namespace, () -> {
            List<KubeBootcVm> items = namespace == null ? vms().inAnyNamespace().list().getItems() : vms().inNamespace(namespace).list().getItems();
            return items.stream().map(KubeVmStore::toModel).sorted(Comparator.comparing((BootcVm v) -> v.getMetadata().getNamespace())
                    .thenComparing(v -> v.getMetadata().getName())).toList();
        });
    }

    @Override
    public BootcVm create(BootcVm vm) {
        Validation.check(vm);
        BootcVm body = vm.copy();
        body.setApiVersion(BootcVm.API_VERSION);
        body.setKind(BootcVm.KIND);
        return call("create", vm.key(), () -> toModel(vms().inNamespace(vm.getMetadata().getNamespace()).resource(toKube(body)).create()));
    }

    @Override
    public BootcVm update(BootcVm vm) {
        Validation.check(vm);
        // A real API server ignores status on this write (status subresource); carrying the stored status
        // keeps servers that do not (fabric8's mock server) from wiping it.
        BootcVm body = vm.copy();
        get(vm.getMetadata().getNamespace(), vm.getMetadata().getName()).ifPresent(cur -> body.setStatus(cur.getStatus()));
        return call("update", vm.key(), () -> toModel(vms().inNamespace(vm.getMetadata().getNamespace()).resource(toKube(body)).update()));
    }

    @Override
    public BootcVm updateStatus(BootcVm vm) {
        // The API server checks resourceVersion on /status; checking here too makes servers that do not
        // (fabric8's mock server) keep the same rule.
        BootcVm current = get(vm.getMetadata().getNamespace(), vm.getMetadata().getName())
                .orElseThrow(() -> Failure.VmNotFound.with("BootcVm " + vm.key() + " not found"));
        if (!Objects.equals(current.getMetadata().getResourceVersion(), vm.getMetadata().getResourceVersion())) {
            throw Failure.Conflict.with("BootcVm " + vm.key() + " was changed by someone else: read it again and retry");
        }
        return call("update the status of", vm.key(), () -> toModel(vms().inNamespace(vm.getMetadata().getNamespace()).resource(toKube(vm)).updateStatus()));
    }

    @Override
    public boolean delete(String namespace, String name) {
        return call("delete", namespace + "/" + name, () -> !vms().inNamespace(namespace).withName(name).delete().isEmpty());
    }

    @Override
    public Watch watch(String namespace, Consumer<WatchEvent> listener) {
        Watcher<KubeBootcVm> watcher = new Watcher<>() {
            @Override
            public void eventReceived(Action action, KubeBootcVm resource) {
                WatchEvent.Type type = switch (action) {
                    case ADDED -> WatchEvent.Type.ADDED;
                    case MODIFIED -> WatchEvent.Type.MODIFIED;
                    case DELETED -> WatchEvent.Type.DELETED;
                    default -> null;
                };
                if (type != null) listener.accept(new WatchEvent(type, toModel(resource)));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
        var w = call("watch", namespace == null ? "all namespaces" : namespace,
                () -> namespace == null ? vms().inAnyNamespace().watch(watcher) : vms().inNamespace(namespace).watch(watcher));
        return w::close;
    }

    /** The cluster's Secrets, each read when a BootcVm's cloud-init names one. */
    @Override
    public Secrets secrets() {
        return new KubeSecrets(client);
    }

    @Override
    public void close() {
        if (ownsClient) client.close();
    }

    private <T> T call(String verb, String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (KubernetesClientException e) {
            String msg = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            switch (e.getCode()) {
                case 404 -> throw Failure.VmNotFound.with("BootcVm " + what + " not found"
                        + (msg != null && msg.contains("the server could not find the requested resource") ? " (is the BootcVm CRD installed? kubectl apply -f crds/)" : ""));
                case 409 -> throw (msg != null && msg.contains("already exists") ? Failure.AlreadyExists : Failure.Conflict)
                        .with("Cannot " + verb + " BootcVm " + what + ": " + msg);
                case 422, 400 -> throw Failure.Invalid.with("Cannot " + verb + " BootcVm " + what + ": " + msg);
                default -> throw Failure.KubernetesError.with("Cannot " + verb + " BootcVm " + what + " in " + describe() + ": "
                        + (e.getCode() <= 0 ? rootCause(e) + " (is the API server up? check your kubeconfig, or use --store file)" : oneLine(msg)), e);
            }
        }
    }

    /** What went wrong under fabric8's "Operation ... failed": the connection refused, the unknown host. */
    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return oneLine(m);
    }

    private static String oneLine(String s) {
        if (s == null) return "no message";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
