package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.CloudInitSpec;
import dev.bootc.pb.port.CloudInitSeed;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The NoCloud seed a VM's {@code spec.cloudInit} asks for. cloud-init needs a meta-data file: when the
 * VM gives none, it gets one with an instance-id of this VM (so cloud-init runs once per VM, not
 * once per image) and its name as host name.
 */
final class CloudInitPlan {
    private CloudInitPlan() {
    }

    static Optional<CloudInitSeed> seed(BootcVm vm) {
        CloudInitSpec ci = vm.getSpec().getCloudInit();
        if (ci == null) return Optional.empty();
        Map<String, String> defaults = Map.of("meta-data", defaultMetaData(vm));
        if (ci.getPath() != null) return Optional.of(new CloudInitSeed(Path.of(ci.getPath()), null, defaults));
        Map<String, String> inline = new LinkedHashMap<>();
        if (ci.getUserData() != null) inline.put("user-data", ci.getUserData());
        if (ci.getMetaData() != null) inline.put("meta-data", ci.getMetaData());
        if (ci.getNetworkConfig() != null) inline.put("network-config", ci.getNetworkConfig());
        return Optional.of(new CloudInitSeed(null, inline, defaults));
    }

    static String defaultMetaData(BootcVm vm) {
        String name = vm.getMetadata().getName();
        String uid = vm.getMetadata().getUid();
        String id = uid == null || uid.isBlank() ? vm.getMetadata().getNamespace() + "-" + name : uid;
        return "instance-id: pb-" + id + "\nlocal-hostname: " + name + "\n";
    }
}
