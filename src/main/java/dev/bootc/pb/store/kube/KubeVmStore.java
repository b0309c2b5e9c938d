package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.store.VmStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** BootcVm resources in a Kubernetes cluster, through fabric8. The API server enforces the object rules. */
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

    @Override
    public String describe() {
        return "Kubernetes cluster " + client.getMasterUrl();
    }

    private MixedOperation<BootcVm, KubernetesResourceList<BootcVm>, Resource<BootcVm>> vms() {
        return client.resources(BootcVm.class);
    }

    @Override
    public Optional<BootcVm> get(String namespace, String name) {
        return call("read", namespace + "/" + name, () -> Optional.ofNullable(vms().inNamespace(namespace).withName(name).get()));
    }

    @Override
    public List<BootcVm> list(String namespace) {
        return call("list", namespace == null ? "all namespaces" : namespace, () -> {
            List<BootcVm> items = namespace == null ? vms().inAnyNamespace().list().getItems() : vms().inNamespace(namespace).list().getItems();
            return items.stream().sorted(Comparator.comparing((BootcVm v) -> v.getMetadata().getNamespace())
                    .thenComparing(v -> v.getMetadata().getName())).toList();
        });
    }

    @Override
    public BootcVm create(BootcVm vm) {
        Validation.check(vm);
        vm.setApiVersion(BootcVm.API_VERSION);
        vm.setKind(BootcVm.KIND);
        return call("create", vm.key(), () -> vms().inNamespace(vm.getMetadata().getNamespace()).resource(vm).create());
    }

    @Override
    public BootcVm update(BootcVm vm) {
        Validation.check(vm);
        // A real API server ignores status on this write (status subresource); carrying the stored status
        // keeps servers that do not (fabric8's mock server) from wiping it.
        BootcVm body = dev.bootc.pb.api.Json.copy(vm, BootcVm.class);
        get(vm.getMetadata().getNamespace(), vm.getMetadata().getName()).ifPresent(cur -> body.setStatus(cur.getStatus()));
        return call("update", vm.key(), () -> vms().inNamespace(vm.getMetadata().getNamespace()).resource(body).update());
    }

    @Override
    public BootcVm updateStatus(BootcVm vm) {
        // The API server checks resourceVersion on /status; checking here too makes servers that do not
        // (fabric8's mock server) keep the same rule.
        BootcVm current = get(vm.getMetadata().getNamespace(), vm.getMetadata().getName())
                .orElseThrow(() -> new PbException.NotFound("BootcVm " + vm.key() + " not found"));
        if (!java.util.Objects.equals(current.getMetadata().getResourceVersion(), vm.getMetadata().getResourceVersion())) {
            throw new PbException.Conflict("Conflict", "BootcVm " + vm.key() + " was changed by someone else: read it again and retry");
        }
        return call("update the status of", vm.key(), () -> vms().inNamespace(vm.getMetadata().getNamespace()).resource(vm).updateStatus());
    }

    @Override
    public boolean delete(String namespace, String name) {
        return call("delete", namespace + "/" + name, () -> !vms().inNamespace(namespace).withName(name).delete().isEmpty());
    }

    @Override
    public Watch watch(String namespace, Consumer<WatchEvent> listener) {
        Watcher<BootcVm> watcher = new Watcher<>() {
            @Override
            public void eventReceived(Action action, BootcVm resource) {
                switch (action) {
                    case ADDED -> listener.accept(new WatchEvent(WatchEvent.Type.ADDED, resource));
                    case MODIFIED -> listener.accept(new WatchEvent(WatchEvent.Type.MODIFIED, resource));
                    case DELETED -> listener.accept(new WatchEvent(WatchEvent.Type.DELETED, resource));
                    default -> {
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        };
        var w = call("watch", namespace == null ? "all namespaces" : namespace,
                () -> namespace == null ? vms().inAnyNamespace().watch(watcher) : vms().inNamespace(namespace).watch(watcher));
        return w::close;
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
                case 404 -> throw new PbException.NotFound("BootcVm " + what + " not found"
                        + (msg != null && msg.contains("the server could not find the requested resource") ? " (is the BootcVm CRD installed? kubectl apply -f crds/)" : ""));
                case 409 -> throw new PbException.Conflict(msg != null && msg.contains("already exists") ? "AlreadyExists" : "Conflict",
                        "Cannot " + verb + " BootcVm " + what + ": " + msg);
                case 422, 400 -> throw new PbException.Invalid("Invalid", "Cannot " + verb + " BootcVm " + what + ": " + msg);
                default -> throw new PbException.Failed("KubernetesError", "Cannot " + verb + " BootcVm " + what + " in " + describe() + ": " + oneLine(msg), e);
            }
        }
    }

    private static String oneLine(String s) {
        if (s == null) return "no message";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
