package dev.bootc.pb.api;

import java.util.ArrayList;

/** The one place where a BootcVm's defaults are decided and applied. */
public final class Defaults {
    public static final String NAMESPACE = "default";
    public static final RunStrategy RUN_STRATEGY = RunStrategy.Always;
    public static final String MEMORY = "2Gi";
    public static final int CPUS = 2;
    public static final String DISK_SIZE = "20Gi";
    public static final DiskFormat DISK_FORMAT = DiskFormat.qcow2;
    public static final Firmware FIRMWARE = Firmware.uefi;
    public static final boolean TPM = true;
    public static final String SSH_USER = "root";
    public static final NetworkMode NETWORK = NetworkMode.user;
    public static final UpdateStrategy UPDATE_STRATEGY = UpdateStrategy.InPlace;
    public static final Protocol PROTOCOL = Protocol.tcp;
    public static final String HOST_IP = "127.0.0.1";

    private Defaults() {
    }

    /** The disk size this spec gets, without copying it (pb list reads this for every VM). */
    public static String diskSize(BootcVmSpec s) {
        return s == null || s.getDisk() == null || s.getDisk().getSize() == null ? DISK_SIZE : s.getDisk().getSize();
    }

    /** The format of the VM's own disk this spec gets, without copying it. */
    public static DiskFormat diskFormat(BootcVmSpec s) {
        return s == null || s.getDisk() == null || s.getDisk().getFormat() == null ? DISK_FORMAT : s.getDisk().getFormat();
    }

    /** The SSH user this spec gets, without copying it. */
    /** The spec's network, else user networking. */
    public static NetworkMode network(BootcVmSpec s) {
        return s == null || s.getNetwork() == null ? NETWORK : s.getNetwork();
    }

    public static String sshUser(BootcVmSpec s) {
        return s == null || s.getSsh() == null || s.getSsh().getUser() == null ? SSH_USER : s.getSsh().getUser();
    }

    /** When the host pulls this spec's image: its imagePullPolicy, else Kubernetes' rule for the image. */
    public static PullPolicy pullPolicy(BootcVmSpec s) {
        return pullPolicy(s, s.getImage());
    }

    /** When the host pulls {@code image} for this spec (a switch's new image): the spec's imagePullPolicy, else the rule for that image. */
    public static PullPolicy pullPolicy(BootcVmSpec s, String image) {
        return s != null && s.getImagePullPolicy() != null ? s.getImagePullPolicy() : PullPolicy.defaultFor(image);
    }

    /** Fills every unset field that has a default, in place. nodeName is left alone. */
    public static BootcVm apply(BootcVm vm) {
        if (vm.getMetadata().getNamespace() == null) vm.getMetadata().setNamespace(NAMESPACE);
        BootcVmSpec s = vm.getSpec();
        if (s == null) return vm;
        if (s.getRunStrategy() == null) s.setRunStrategy(RUN_STRATEGY);
        if (s.getImagePullPolicy() == null) s.setImagePullPolicy(PullPolicy.defaultFor(s.getImage()));
        if (s.getResources() == null) s.setResources(new Resources());
        if (s.getResources().getMemory() == null) s.getResources().setMemory(MEMORY);
        if (s.getResources().getCpus() == null) s.getResources().setCpus(CPUS);
        if (s.getDisk() == null) s.setDisk(new DiskSpec());
        if (s.getDisk().getSize() == null) s.getDisk().setSize(DISK_SIZE);
        if (s.getDisk().getFormat() == null) s.getDisk().setFormat(DISK_FORMAT);
        if (s.getFirmware() == null) s.setFirmware(FIRMWARE);
        if (s.getTpm() == null) s.setTpm(TPM);
        if (s.getSsh() == null) s.setSsh(new SshSpec());
        if (s.getSsh().getUser() == null) s.getSsh().setUser(SSH_USER);
        if (s.getNetwork() == null) s.setNetwork(NETWORK);
        if (s.getPorts() != null) {
            for (PortForward p : s.getPorts()) {
                if (p.getProtocol() == null) p.setProtocol(PROTOCOL);
                if (p.getHostIP() == null) p.setHostIP(HOST_IP);
            }
        }
        if (s.getVolumes() != null) {
            for (VolumeMount v : s.getVolumes()) {
                if (v.getReadOnly() == null) v.setReadOnly(false);
            }
        }
        if (s.getKernelArgs() == null) s.setKernelArgs(new ArrayList<>());
        if (s.getUpdateStrategy() == null) s.setUpdateStrategy(UPDATE_STRATEGY);
        return vm;
    }
}
