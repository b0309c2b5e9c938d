package dev.bootc.pb.api;

/** Condition types of a BootcVm. */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String DISK_READY = "DiskReady";
    public static final String DOMAIN_READY = "DomainReady";
    public static final String SSH_READY = "SshReady";
    public static final String RESTART_REQUIRED = "RestartRequired";
    /** The volumes pb mounts over SSH (guests whose systemd ignores fstab.extra) are mounted in this boot. */
    public static final String VOLUMES_READY = "VolumesReady";
    /** An in-place update of the VM is under way (the phase shows Updating). */
    public static final String UPDATING = "Updating";
    /** The last in-place update failed (and was rolled back): its image and digest are not tried again until the spec or the upgrade request changes. */
    public static final String UPDATE_FAILED = "UpdateFailed";

    private Conditions() {
    }
}
