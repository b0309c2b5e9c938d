package dev.bootc.pb.boot;

/** Which store pb talks to. */
public enum StoreKind {
    file, kube
}
