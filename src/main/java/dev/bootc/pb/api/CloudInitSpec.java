package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * cloud-init data for the NoCloud datasource, given to the guest as a read-only disk labelled CIDATA:
 * either inline, as a ConfigMap's keys would hold it, or a host folder holding the files.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CloudInitSpec {
    @Pattern(Validation.ABSOLUTE_PATH_PATTERN)
    @JsonPropertyDescription("A folder on the VM's host holding user-data, meta-data, network-config and vendor-data (any of them),"
            + " read each time the seed is made. Not together with the inline fields.")
    private String path;

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

    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
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
