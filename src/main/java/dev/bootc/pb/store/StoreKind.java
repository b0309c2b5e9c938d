package dev.bootc.pb.store;

/** Which store pb talks to. */
public enum StoreKind {
    file, kube
}
