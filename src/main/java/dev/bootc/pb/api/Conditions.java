package dev.bootc.pb.api;

/** Condition types of a BootcVm. */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String DISK_READY = "DiskReady";
    public static final String DOMAIN_READY = "DomainReady";
    public static final String SSH_READY = "SshReady";
    public static final String RESTART_REQUIRED = "RestartRequired";

    private Conditions() {
    }
}
