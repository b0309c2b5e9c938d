package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.port.CloudInitSeed;
import dev.bootc.pb.port.Secrets;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The NoCloud seed a VM's {@code spec.cloudInit} asks for. cloud-init needs a meta-data file: when the
 * VM gives none, it gets one with an instance-id of this VM (so cloud-init runs once per VM, not
 * once per image) and its name as host name. A Secret's data is read here, through the store's
 * {@link Secrets}, with the keys KubeVirt reads for its cloudInitNoCloud.secretRef.
 */
final class CloudInitPlan {
    /** Where KubeVirt looks for user-data in a Secret, first found wins. */
    static final List<String> USER_DATA_KEYS = List.of("userdata", "userData");
    /** Where KubeVirt looks for network-config in a Secret, first found wins. */
    static final List<String> NETWORK_DATA_KEYS = List.of("networkdata", "networkData");

    private CloudInitPlan() {
    }

    /**
     * What the seed holds, or nothing without cloud-init. A Secret is read now: a missing one (or one without
     * user-data) is SecretNotFound, retried, since it may be created after the VM.
     */
    static Optional<CloudInitSeed> seed(BootcVm vm, Secrets secrets) {
        CloudInitSpec ci = vm.getSpec().getCloudInit();
        if (ci == null) return Optional.empty();
        Map<String, String> defaults = Map.of("meta-data", defaultMetaData(vm));
        if (ci.getPath() != null) return Optional.of(new CloudInitSeed(Path.of(ci.getPath()), null, defaults));
        Map<String, String> inline = new LinkedHashMap<>();
        if (ci.getSecretRef() != null) {
            String namespace = vm.getMetadata().getNamespace();
            String name = ci.getSecretRef().getName();
            Map<String, String> data = secrets.data(namespace, name).orElseThrow(() -> Failure.SecretNotFound.with("Secret " + namespace + "/"
                    + name + " (spec.cloudInit.secretRef) not found: create it with the user-data under the key userdata"));
            String userData = first(data, USER_DATA_KEYS).orElseThrow(() -> Failure.SecretNotFound.with("Secret " + namespace + "/" + name
                    + " (spec.cloudInit.secretRef) has no key userdata (nor userData): put the user-data under userdata"));
            inline.put("user-data", userData);
            first(data, NETWORK_DATA_KEYS).ifPresent(n -> inline.put("network-config", n));
            return Optional.of(new CloudInitSeed(null, inline, defaults));
        }
        if (ci.getUserData() != null) inline.put("user-data", ci.getUserData());
        if (ci.getMetaData() != null) inline.put("meta-data", ci.getMetaData());
        if (ci.getNetworkConfig() != null) inline.put("network-config", ci.getNetworkConfig());
        return Optional.of(new CloudInitSeed(null, inline, defaults));
    }

    private static Optional<String> first(Map<String, String> data, List<String> keys) {
        return keys.stream().filter(data::containsKey).map(data::get).findFirst();
    }

    static String defaultMetaData(BootcVm vm) {
        String name = vm.getMetadata().getName();
        String uid = vm.getMetadata().getUid();
        String id = uid == null || uid.isBlank() ? vm.getMetadata().getNamespace() + "-" + name : uid;
        return "instance-id: pb-" + id + "\nlocal-hostname: " + name + "\n";
    }
}
