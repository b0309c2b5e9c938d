package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * cloud-init data for the NoCloud datasource, given to the guest as a read-only disk labelled CIDATA:
 * inline, as a ConfigMap's keys would hold it; a host folder holding the files; or a Secret of the
 * VM's namespace (on a cluster), as KubeVirt's cloudInitNoCloud.secretRef takes it. One of the three.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CloudInitSpec {
    @Pattern(Validation.ABSOLUTE_PATH_PATTERN)
    @JsonPropertyDescription("A folder on the VM's host holding user-data, meta-data, network-config and vendor-data (any of them),"
            + " read each time the seed is made: the folder and its files must belong to root or to pb's user, and no link is followed"
            + " there. On a cluster only under a folder the node's admin allows. Not together with secretRef or the inline fields.")
    private String path;

    @JsonPropertyDescription("A Secret in the BootcVm's namespace holding user-data under the key userdata (or userData) and, optionally,"
            + " network-config under networkdata (or networkData), as KubeVirt's cloudInitNoCloud.secretRef; read by the node's operator"
            + " each time the seed is made. Not on the file store, which has no Secrets. Not together with path or the inline fields.")
    private LocalObjectReference secretRef;

    @JsonPropertyDescription("user-data: a #cloud-config document, a script, or anything else cloud-init takes.")
    private String userData;

    @JsonPropertyDescription("meta-data (YAML). Default: instance-id and local-hostname from the VM.")
    private String metaData;

    @JsonPropertyDescription("network-config (cloud-init's network configuration, version 1 or 2).")
    private String networkConfig;

    public CloudInitSpec() {
    }

    public static CloudInitSpec ofPath(String path) {
        CloudInitSpec c = new CloudInitSpec();
        c.setPath(path);
        return c;
    }

    public static CloudInitSpec ofSecret(String name) {
        CloudInitSpec c = new CloudInitSpec();
        c.setSecretRef(new LocalObjectReference(name));
        return c;
    }

    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
    public LocalObjectReference getSecretRef() { return secretRef; }
    public void setSecretRef(LocalObjectReference secretRef) { this.secretRef = secretRef; }
    public String getUserData() { return userData; }
    public void setUserData(String userData) { this.userData = userData; }
    public String getMetaData() { return metaData; }
    public void setMetaData(String metaData) { this.metaData = metaData; }
    public String getNetworkConfig() { return networkConfig; }
    public void setNetworkConfig(String networkConfig) { this.networkConfig = networkConfig; }

    /** Whether any inline field is given. */
    @JsonIgnore
    public boolean isInline() {
        return userData != null || metaData != null || networkConfig != null;
    }
}
