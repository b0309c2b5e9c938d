package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A bootable container image run as a persistent virtual machine: the one model of the resource,
 * used by the CLI, both stores and the reconciler. Plain Java: a verb on the file store loads no
 * Kubernetes library (the cluster side converts at its edge, see the kube store).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public class BootcVm {
    public static final String GROUP = "bootc.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "BootcVm";
    public static final String PLURAL = "bootcvms";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String FINALIZER = "bootc.dev/cleanup";
    /**
     * An upgrade request: a new value makes the VM's operator resolve spec.image again and update the VM in place when the
     * tag moved ({@code pb upgrade} stamps it with the time, as {@code kubectl rollout restart} stamps its annotation).
     */
    public static final String UPGRADE_REQUESTED = "bootc.dev/upgrade-requested-at";
    /** The label that names the node whose operator owns the VM. */
    public static final String NODE_LABEL = "bootc.dev/node";

    private String apiVersion = API_VERSION;
    private String kind = KIND;
    private ObjectMeta metadata = new ObjectMeta();
    private BootcVmSpec spec = new BootcVmSpec();
    private BootcVmStatus status;

    public BootcVm() {
    }

    public BootcVm(String namespace, String name, BootcVmSpec spec) {
        metadata.setNamespace(namespace);
        metadata.setName(name);
        this.spec = spec;
    }

    public String getApiVersion() { return apiVersion; }
    public void setApiVersion(String apiVersion) { this.apiVersion = apiVersion; }
    public String getKind() { return kind; }
    public void setKind(String kind) { this.kind = kind; }
    public ObjectMeta getMetadata() { return metadata; }
    public void setMetadata(ObjectMeta metadata) { this.metadata = metadata; }
    public BootcVmSpec getSpec() { return spec; }
    public void setSpec(BootcVmSpec spec) { this.spec = spec; }
    public BootcVmStatus getStatus() { return status; }
    public void setStatus(BootcVmStatus status) { this.status = status; }

    /** namespace/name, the key used in messages and maps. */
    public String key() {
        return metadata.getNamespace() + "/" + metadata.getName();
    }

    /** A deep copy. */
    public BootcVm copy() {
        return Json.copy(this, BootcVm.class);
    }

    /** Marked for deletion (it goes once its finalizers are removed). */
    @JsonIgnore
    public boolean isDeleting() {
        return metadata.getDeletionTimestamp() != null;
    }

    /** The upgrade request this resource carries (its annotation), or null. */
    @JsonIgnore
    public String upgradeRequest() {
        return metadata == null || metadata.getAnnotations() == null ? null : metadata.getAnnotations().get(UPGRADE_REQUESTED);
    }

    /**
     * Where SSH to this VM goes: the guest's address on its bridge or libvirt network, empty until libvirt has given
     * it one (never 127.0.0.1:22, the host's own sshd); else the host's 127.0.0.1, where its port is forwarded.
     */
    @JsonIgnore
    public java.util.Optional<String> sshHost() {
        boolean ownAddress = Defaults.network(spec).ownAddress();
        if (status == null) return ownAddress ? java.util.Optional.empty() : java.util.Optional.of(NodePolicy.LOOPBACK);
        return ownAddress && status.getAddress() == null ? java.util.Optional.empty() : java.util.Optional.of(status.sshHost());
    }
}
