package dev.bootc.pb.api;

/** Networking of the VM. Constant names are the wire values. */
public enum NetworkMode {
    user, none
}
