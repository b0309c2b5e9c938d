package dev.bootc.pb.api;

/**
 * Every known way a pb operation fails: the reason written into a status condition (the constant's
 * name), the exit code from the one table in {@link ExitCodes}, and whether it is terminal: a terminal
 * failure cannot heal by waiting, so no driver retries it until the resource changes (a spec change,
 * or {@code pb start} of a failed VM); any other failure is retried with back-off.
 */
public enum Failure {
    // invalid input (exit 2): terminal
    Invalid(ExitCodes.INVALID, true),
    InvalidName(ExitCodes.INVALID, true),
    InvalidImage(ExitCodes.INVALID, true),
    InvalidPort(ExitCodes.INVALID, true),
    InvalidVolume(ExitCodes.INVALID, true),
    InvalidGuestPath(ExitCodes.INVALID, true),
    InvalidRootSize(ExitCodes.INVALID, true),
    InvalidDiskSize(ExitCodes.INVALID, true),
    InvalidKernelArg(ExitCodes.INVALID, true),
    InvalidPublicKey(ExitCodes.INVALID, true),
    InvalidSshKey(ExitCodes.INVALID, true),
    InvalidSshUser(ExitCodes.INVALID, true),
    InvalidPullPolicy(ExitCodes.INVALID, true),
    InvalidFirmware(ExitCodes.INVALID, true),
    InvalidConfig(ExitCodes.INVALID, true),
    InvalidCloudInit(ExitCodes.INVALID, true),
    InvalidLabel(ExitCodes.INVALID, true),
    InvalidSelector(ExitCodes.INVALID, true),
    InvalidTemplate(ExitCodes.INVALID, true),
    NotBootcImage(ExitCodes.INVALID, true),
    DiskTooSmall(ExitCodes.INVALID, true),
    /** A file pb was asked to read is a link, not a regular file, or belongs to someone else. */
    UnsafeFile(ExitCodes.INVALID, true),
    /** A host folder this node's admin does not share with BootcVms ({@link NodePolicy}). */
    HostPathNotAllowed(ExitCodes.INVALID, true),
    /** A host address this node's admin does not let forwarded ports bind ({@link NodePolicy}). */
    HostAddressNotAllowed(ExitCodes.INVALID, true),
    /** A bridge or libvirt network this node's admin does not let BootcVms join ({@link NodePolicy}). */
    NetworkNotAllowed(ExitCodes.INVALID, true),
    /** Volumes the image's guest cannot mount as the spec asks (its systemd, or no SSH to mount them over). */
    VolumesUnsupported(ExitCodes.INVALID, true),

    // something named does not exist (exit 3)
    VmNotFound(ExitCodes.NOT_FOUND, true),
    NoRunningVm(ExitCodes.NOT_FOUND, true),
    NoSerialLog(ExitCodes.NOT_FOUND, false),
    ImageNotFound(ExitCodes.NOT_FOUND, true),
    FileNotFound(ExitCodes.NOT_FOUND, true),
    DomainNotFound(ExitCodes.NOT_FOUND, false),
    DiskNotFound(ExitCodes.NOT_FOUND, false),
    BaseDiskNotFound(ExitCodes.NOT_FOUND, false),
    /** A Secret a BootcVm names (spec.cloudInit.secretRef), or its key, is not there: retried, as it may be created later. */
    SecretNotFound(ExitCodes.NOT_FOUND, false),

    // a name is taken or a write lost a race (exit 4)
    Conflict(ExitCodes.CONFLICT, false),
    AlreadyExists(ExitCodes.CONFLICT, false),
    NameTaken(ExitCodes.CONFLICT, true),
    VmRunning(ExitCodes.CONFLICT, true),
    DiskExists(ExitCodes.CONFLICT, false),
    /** A host port another VM holds (its SSH port or a forward, running or stopped). */
    PortConflict(ExitCodes.CONFLICT, true),
    /** A domain, disk, key or port recorded for another resource (another uid) of the same name. */
    OwnerConflict(ExitCodes.CONFLICT, true),
    /** spec.disk.format differs from the format the VM's disk was made in: a disk's format cannot change. */
    DiskFormatChanged(ExitCodes.CONFLICT, true),

    // the host lacks something a person must install or change (exit 1): terminal
    PodmanMissing(ExitCodes.FAILURE, true),
    QemuImgMissing(ExitCodes.FAILURE, true),
    QemuMissing(ExitCodes.FAILURE, true),
    ProgramMissing(ExitCodes.FAILURE, true),
    IsoToolMissing(ExitCodes.FAILURE, true),
    SshMissing(ExitCodes.FAILURE, true),
    VirtiofsdMissing(ExitCodes.FAILURE, true),
    FirmwareMissing(ExitCodes.FAILURE, true),
    NoOperator(ExitCodes.FAILURE, true),
    UnsupportedArch(ExitCodes.FAILURE, true),
    /** The bridge or libvirt network a VM names is not on this host, or not active. */
    NetworkUnavailable(ExitCodes.FAILURE, true),

    // the VM cannot come up as it is (exit 1): terminal
    RegistryUnreachable(ExitCodes.FAILURE, true),
    PullFailed(ExitCodes.FAILURE, true),
    DiskBuildFailed(ExitCodes.FAILURE, true),
    /** The folder of the base disk cache has too little free space for a build. */
    DiskFull(ExitCodes.FAILURE, true),
    DiskMissing(ExitCodes.FAILURE, true),
    LibvirtError(ExitCodes.FAILURE, true),
    SecureBootRefused(ExitCodes.FAILURE, true),
    SshTimeout(ExitCodes.FAILURE, true),
    /** Mounting the volumes over SSH in a guest whose systemd ignores fstab.extra failed (root refused, a mount failed). */
    VolumeMountFailed(ExitCodes.FAILURE, true),
    /** An in-place update (pb upgrade, switch, rollback) that did not end with the image it meant booted. */
    UpdateFailed(ExitCodes.FAILURE, true),
    /** A guest whose bootc cannot say what it boots (no {@code bootc status}): it cannot be updated in place. */
    NotUpdatable(ExitCodes.FAILURE, true),

    // may heal by itself (exit 1): retried with back-off
    LibvirtUnavailable(ExitCodes.FAILURE, false),
    PodmanFailed(ExitCodes.FAILURE, false),
    ImageInspectFailed(ExitCodes.FAILURE, false),
    StoreError(ExitCodes.FAILURE, false),
    StoreCorrupt(ExitCodes.FAILURE, false),
    KubernetesError(ExitCodes.FAILURE, false),
    Timeout(ExitCodes.FAILURE, false),
    Interrupted(ExitCodes.FAILURE, false),
    LockFailed(ExitCodes.FAILURE, false),
    LogWriteFailed(ExitCodes.FAILURE, false),
    DiskCreateFailed(ExitCodes.FAILURE, false),
    SeedFailed(ExitCodes.FAILURE, false),
    ConsoleFailed(ExitCodes.FAILURE, false),
    DiskInfoFailed(ExitCodes.FAILURE, false),
    DiskDeleteFailed(ExitCodes.FAILURE, false),
    DiskFolderFailed(ExitCodes.FAILURE, false),
    SshKeyFailed(ExitCodes.FAILURE, false),
    SshFailed(ExitCodes.FAILURE, false),
    ProgramFailed(ExitCodes.FAILURE, false),
    NoFreePort(ExitCodes.FAILURE, false),
    VmNotRunning(ExitCodes.FAILURE, false),
    NoSsh(ExitCodes.FAILURE, false),
    Failed(ExitCodes.FAILURE, false);

    private final int exitCode;
    private final boolean terminal;

    Failure(int exitCode, boolean terminal) {
        this.exitCode = exitCode;
        this.terminal = terminal;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Retrying cannot help: a person must change something first. */
    public boolean terminal() {
        return terminal;
    }

    /** The condition reason: the constant's name. */
    public String reason() {
        return name();
    }

    /** The failure of a condition reason, if it is one. */
    public static java.util.Optional<Failure> ofReason(String reason) {
        if (reason == null) return java.util.Optional.empty();
        try {
            return java.util.Optional.of(valueOf(reason));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** Whether a condition reason names a terminal failure. */
    public static boolean isTerminal(String reason) {
        return ofReason(reason).map(Failure::terminal).orElse(false);
    }

    /** A failure of this kind with a one-line message. */
    public PbException with(String message) {
        return new PbException(this, message);
    }

    public PbException with(String message, Throwable cause) {
        return new PbException(this, message, cause);
    }
}
