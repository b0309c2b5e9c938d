package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What was last observed of a BootcVm. Written only by the reconciler, through its status writer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BootcVmStatus {
    private Phase phase;
    private List<Condition> conditions = new ArrayList<>();
    private Long observedGeneration;
    private String nodeName;
    private String domainName;
    private String domainUUID;
    private String imageDigest;
    private String baseDisk;
    @JsonPropertyDescription("Root file system of the VM's disk: the spec's, else the image's declared one, else pb's default (xfs).")
    private String filesystem;
    @JsonPropertyDescription("Major version of the guest's systemd, learnt of the image when its disk was built: below 254 the"
            + " guest ignores the fstab.extra credential, so pb mounts its volumes over SSH.")
    private Integer systemdVersion;
    private String diskPath;
    @JsonPropertyDescription("Where SSH answers: a port of the host's 127.0.0.1 (network: user), or 22 at status.address.")
    private Integer sshPort;
    @JsonPropertyDescription("The guest's own address on its bridge or libvirt network, found from libvirt (DHCP lease, or the host's"
            + " ARP table for a bridge) in this boot; SSH goes there. Unset with network: user.")
    private String address;
    private String sshUser;
    private String sshKeyPath;
    private String startedAt;
    @JsonPropertyDescription("What the guest boots, from bootc status: read when the VM became ready and after each in-place update.")
    private GuestStatus guest;
    @JsonPropertyDescription("What pb last applied of spec.image (and of an upgrade request), and the update that last failed.")
    private UpdateStatus update;
    private String message;

    public Phase getPhase() { return phase; }
    public void setPhase(Phase phase) { this.phase = phase; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions == null ? new ArrayList<>() : conditions; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public String getNodeName() { return nodeName; }
    public void setNodeName(String nodeName) { this.nodeName = nodeName; }
    public String getDomainName() { return domainName; }
    public void setDomainName(String domainName) { this.domainName = domainName; }
    public String getDomainUUID() { return domainUUID; }
    public void setDomainUUID(String domainUUID) { this.domainUUID = domainUUID; }
    public String getImageDigest() { return imageDigest; }
    public void setImageDigest(String imageDigest) { this.imageDigest = imageDigest; }
    public String getFilesystem() { return filesystem; }
    public void setFilesystem(String filesystem) { this.filesystem = filesystem; }
    public Integer getSystemdVersion() { return systemdVersion; }
    public void setSystemdVersion(Integer systemdVersion) { this.systemdVersion = systemdVersion; }
    public String getBaseDisk() { return baseDisk; }
    public void setBaseDisk(String baseDisk) { this.baseDisk = baseDisk; }
    public String getDiskPath() { return diskPath; }
    public void setDiskPath(String diskPath) { this.diskPath = diskPath; }
    public Integer getSshPort() { return sshPort; }
    public void setSshPort(Integer sshPort) { this.sshPort = sshPort; }
    public String getAddress() { return address; }
    public void setAddress(String address) { this.address = address; }
    /** Where SSH goes: the guest's address on its own network, else the host's 127.0.0.1 (forwarded port). */
    public String sshHost() { return address != null ? address : NodePolicy.LOOPBACK; }
    public String getSshUser() { return sshUser; }
    public void setSshUser(String sshUser) { this.sshUser = sshUser; }
    public String getSshKeyPath() { return sshKeyPath; }
    public void setSshKeyPath(String sshKeyPath) { this.sshKeyPath = sshKeyPath; }
    public String getStartedAt() { return startedAt; }
    public void setStartedAt(String startedAt) { this.startedAt = startedAt; }
    public GuestStatus getGuest() { return guest; }
    public void setGuest(GuestStatus guest) { this.guest = guest; }
    public UpdateStatus getUpdate() { return update; }
    public void setUpdate(UpdateStatus update) { this.update = update; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }

    public Optional<Condition> condition(String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /** True when the condition of that type is present with status "True". */
    public boolean isTrue(String type) {
        return condition(type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    public BootcVmStatus copy() {
        return Json.copy(this, BootcVmStatus.class);
    }
}
