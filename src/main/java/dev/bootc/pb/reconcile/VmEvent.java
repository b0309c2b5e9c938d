package dev.bootc.pb.reconcile;

/** What a reconcile did, recorded as events (Kubernetes Events, or the file store's event log); reason = the constant's name. */
public enum VmEvent {
    Pulled, DiskBuilt, Defined, Started, Stopped, RestartRequired, SshReady, Failed, Deleted, Updating, Updated, UpdateFailed, RolledBack, Recreating
}
