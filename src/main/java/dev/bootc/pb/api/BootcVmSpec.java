package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.Required;

import java.util.List;
import java.util.Objects;

/** The desired state of a BootcVm. Defaults live in {@link Defaults}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BootcVmSpec {
    @Required
    @Pattern(Validation.IMAGE_PATTERN)
    @Size(max = Validation.IMAGE_MAX)
    @JsonPropertyDescription("Container image reference of a bootable container (bootc) image.")
    private String image;

    @JsonPropertyDescription("When the host pulls the image, as Kubernetes says for containers: Always, IfNotPresent or Never."
            + " Unset: Always for :latest or no tag, else IfNotPresent (an image under localhost/ is local: IfNotPresent)."
            + " A pull happens when the VM's disk is made from the image.")
    private PullPolicy imagePullPolicy;

    @JsonPropertyDescription("Always: keep the VM running. Halted: keep it stopped.")
    private RunStrategy runStrategy;

    @JsonPropertyDescription("The host whose operator owns this VM.")
    private String nodeName;

    private Resources resources;
    private DiskSpec disk;

    @JsonPropertyDescription("Boot firmware: uefi, uefi-secure (Secure Boot with Microsoft's keys enrolled) or bios. libvirt chooses the firmware build.")
    private Firmware firmware;

    @JsonPropertyDescription("An emulated TPM 2.0 (swtpm); its state lives and dies with the VM. Default true.")
    private Boolean tpm;

    @JsonPropertyDescription("Extra kernel arguments baked into the base disk.")
    private List<@Pattern(Validation.KARG_PATTERN) String> kernelArgs;

    private SshSpec ssh;
    private List<PortForward> ports;
    private List<VolumeMount> volumes;

    @JsonPropertyDescription("user: QEMU user networking, SSH and ports forwarded on the host's 127.0.0.1 (default). none: no network."
            + " bridge: the host bridge networkName. libvirt: the libvirt network networkName (such as default). On a bridge or"
            + " libvirt network the guest has its own address (status.address), where SSH goes; ports are the guest's own.")
    private NetworkMode network;

    @Pattern(Validation.NETWORK_NAME_PATTERN)
    @JsonPropertyDescription("The bridge (network: bridge) or libvirt network (network: libvirt) the VM joins; only with those.")
    private String networkName;

    @JsonPropertyDescription("cloud-init data (NoCloud): inline, or a folder on the host; attached read-only as a disk labelled CIDATA.")
    private CloudInitSpec cloudInit;

    @JsonPropertyDescription("How a changed image reaches a VM that has its disk: InPlace (default; bootc stages it in the running"
            + " guest, one reboot, the health check, an automatic rollback when it fails; /var is kept) or Recreate (a new disk"
            + " from the new image; everything on the old disk is lost).")
    private UpdateStrategy updateStrategy;

    @JsonPropertyDescription("What an in-place update must pass after its reboot, besides SSH answering; failing it rolls the update back.")
    private HealthCheck healthCheck;

    public BootcVmSpec() {
    }

    public BootcVmSpec(String image) {
        this.image = image;
    }

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public PullPolicy getImagePullPolicy() { return imagePullPolicy; }
    public void setImagePullPolicy(PullPolicy imagePullPolicy) { this.imagePullPolicy = imagePullPolicy; }
    public RunStrategy getRunStrategy() { return runStrategy; }
    public void setRunStrategy(RunStrategy runStrategy) { this.runStrategy = runStrategy; }
    public String getNodeName() { return nodeName; }
    public void setNodeName(String nodeName) { this.nodeName = nodeName; }
    public Resources getResources() { return resources; }
    public void setResources(Resources resources) { this.resources = resources; }
    public DiskSpec getDisk() { return disk; }
    public void setDisk(DiskSpec disk) { this.disk = disk; }
    public Firmware getFirmware() { return firmware; }
    public void setFirmware(Firmware firmware) { this.firmware = firmware; }
    public Boolean getTpm() { return tpm; }
    public void setTpm(Boolean tpm) { this.tpm = tpm; }
    public List<String> getKernelArgs() { return kernelArgs; }
    public void setKernelArgs(List<String> kernelArgs) { this.kernelArgs = kernelArgs; }
    public SshSpec getSsh() { return ssh; }
    public void setSsh(SshSpec ssh) { this.ssh = ssh; }
    public List<PortForward> getPorts() { return ports; }
    public void setPorts(List<PortForward> ports) { this.ports = ports; }
    public List<VolumeMount> getVolumes() { return volumes; }
    public void setVolumes(List<VolumeMount> volumes) { this.volumes = volumes; }
    public NetworkMode getNetwork() { return network; }
    public void setNetwork(NetworkMode network) { this.network = network; }
    public String getNetworkName() { return networkName; }
    public void setNetworkName(String networkName) { this.networkName = networkName; }
    public UpdateStrategy getUpdateStrategy() { return updateStrategy; }
    public void setUpdateStrategy(UpdateStrategy updateStrategy) { this.updateStrategy = updateStrategy; }
    public HealthCheck getHealthCheck() { return healthCheck; }
    public void setHealthCheck(HealthCheck healthCheck) { this.healthCheck = healthCheck; }
    public CloudInitSpec getCloudInit() { return cloudInit; }
    public void setCloudInit(CloudInitSpec cloudInit) { this.cloudInit = cloudInit; }

    /** Kernel arguments, never null. */
    public List<String> kernelArgsOrEmpty() {
        return kernelArgs == null ? List.of() : kernelArgs;
    }

    public List<PortForward> portsOrEmpty() {
        return ports == null ? List.of() : ports;
    }

    public List<VolumeMount> volumesOrEmpty() {
        return volumes == null ? List.of() : volumes;
    }

    public BootcVmSpec copy() {
        return Json.copy(this, BootcVmSpec.class);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BootcVmSpec other && Json.tree(this).equals(Json.tree(other));
    }

    @Override
    public int hashCode() {
        return Objects.hash(image, nodeName);
    }

}
