package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A host folder shared into the guest over virtiofs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VolumeMount {
    @Required
    @Pattern(Validation.ABSOLUTE_PATH_PATTERN)
    private String hostPath;

    @Required
    @Pattern(Validation.ABSOLUTE_PATH_PATTERN)
    private String guestPath;

    private Boolean readOnly;

    public VolumeMount() {
    }

    public VolumeMount(String hostPath, String guestPath, boolean readOnly) {
        this.hostPath = hostPath;
        this.guestPath = guestPath;
        this.readOnly = readOnly;
    }

    public String getHostPath() { return hostPath; }
    public void setHostPath(String hostPath) { this.hostPath = hostPath; }
    public String getGuestPath() { return guestPath; }
    public void setGuestPath(String guestPath) { this.guestPath = guestPath; }
    public Boolean getReadOnly() { return readOnly; }
    public void setReadOnly(Boolean readOnly) { this.readOnly = readOnly; }

    public boolean readOnly() {
        return Boolean.TRUE.equals(readOnly);
    }
}
