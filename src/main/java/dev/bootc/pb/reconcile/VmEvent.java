package dev.bootc.pb.reconcile;

/** What a reconcile did, recorded as Kubernetes Events (reason = the constant's name). */
public enum VmEvent {
    Pulled, DiskBuilt, Defined, Started, Stopped, RestartRequired, SshReady, Failed, Deleted
}
