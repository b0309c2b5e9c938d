package dev.bootc.pb.api;

/** Networking of the VM. Constant names are the wire values. */
public enum NetworkMode {
    /** The hypervisor's user networking: the guest reaches out through the host; SSH and ports forwarded on the host's 127.0.0.1. */
    user,
    /** No network device. */
    none,
    /** A host bridge ({@code spec.networkName}): the guest is a host of that network, SSH goes to its own address. */
    bridge,
    /** A libvirt network ({@code spec.networkName}, such as {@code default}: NAT with DHCP): SSH goes to the guest's own address. */
    libvirt;

    /** The guest has an address of its own, where SSH and its ports are: no port of the host is forwarded. */
    public boolean ownAddress() {
        return this == bridge || this == libvirt;
    }
}
