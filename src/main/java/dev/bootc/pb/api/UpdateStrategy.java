package dev.bootc.pb.api;

/** How a changed {@code spec.image} reaches a VM that has its disk. */
public enum UpdateStrategy {
    /** bootc's way: the running guest stages the new image, reboots once into it, and must pass the health gate; {@code /var} is kept. */
    InPlace,
    /** podman-bootc's way: a new disk from the new image ({@code /var} and everything else on the old disk is lost). */
    Recreate
}
