package dev.bootc.pb.libvirt;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The networks a domain of pb can be on besides user networking: whether a host bridge or libvirt network is there,
 * the guest's address on it (the network's DHCP lease; a bridge's from the host's ARP table), and freeing a
 * removed guest's lease.
 */
final class LibvirtNetworks {
    private static final Logger LOG = Logger.getLogger(LibvirtNetworks.class);
    private final LibvirtConnection connection;

    LibvirtNetworks(LibvirtConnection connection) {
        this.connection = connection;
    }

    Optional<String> guestAddress(String name, dev.bootc.pb.api.NetworkMode network) {
        String mac = DomainXml.mac(name);
        if (network == dev.bootc.pb.api.NetworkMode.bridge) {
            // libvirt 9.0's ARP source fails on this kernel's netlink answer ("wrong nlmsg len"): the kernel's own table
            // (/proc/net/arp: IP, type, flags, MAC, mask, device) says the same
            return HostArp.address(java.nio.file.Path.of("/proc/net/arp"), mac);
        }
        return connection.call("read the addresses of domain " + name, c -> {
            org.libvirt.Domain d = LibvirtDomains.lookup(c, name);
            if (d == null || d.isActive() != 1) return Optional.<String>empty();
            return leased(d, mac).stream().findFirst();
        });
    }

    /** The IPv4 addresses libvirt's DHCP server leased the NIC with {@code mac} of a running domain. */
    private static List<String> leased(org.libvirt.Domain d, String mac) throws org.libvirt.LibvirtException {
        List<String> out = new ArrayList<>();
        for (org.libvirt.DomainInterface nic : d.interfaceAddresses(org.libvirt.Domain.InterfaceAddressesSource.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0)) {
            if (nic.hwAddr != null && !nic.hwAddr.equalsIgnoreCase(mac)) continue;
            for (org.libvirt.DomainInterface.InterfaceAddress a : nic.addrs) {
                if (a.address instanceof java.net.Inet4Address) out.add(a.address.getHostAddress());
            }
        }
        return out;
    }

    void releaseLeases(String name) {
        String mac = DomainXml.mac(name);
        // (bridge, address) of each lease libvirt's DHCP server gave this guest
        List<String[]> leases = connection.call("read the leases of domain " + name, c -> {
            org.libvirt.Domain d = LibvirtDomains.lookup(c, name);
            String network = d == null || d.isActive() != 1 ? null : DomainXml.readNetworkSource(d.getXMLDesc(0));
            if (network == null) return List.<String[]>of();
            org.libvirt.Network n = c.networkLookupByName(network);
            String bridge;
            try {
                bridge = n.getBridgeName();
            } finally {
                n.free();
            }
            return leased(d, mac).stream().map(address -> new String[] {bridge, address}).toList();
        });
        for (String[] lease : leases) {
            // dnsmasq's own tool (as OpenStack frees its ports' leases): a DHCPRELEASE on the network's bridge
            try {
                dev.bootc.pb.os.ProcessRunner.local().run(dev.bootc.pb.os.Command.of("dhcp_release", lease[0], lease[1], mac));
            } catch (dev.bootc.pb.api.PbException e) {
                LOG.debugf("lease %s of %s not released: %s", lease[1], name, e.getMessage()); // no dhcp_release: it expires by itself
            }
        }
    }

    Optional<String> problem(dev.bootc.pb.api.NetworkMode network, String networkName) {
        if (network == dev.bootc.pb.api.NetworkMode.bridge) {
            return java.nio.file.Files.isDirectory(java.nio.file.Path.of("/sys/class/net", networkName, "bridge")) ? Optional.empty()
                    : Optional.of("this host has no bridge " + networkName + " (ip -d link show type bridge lists them): make it, or name another");
        }
        if (network != dev.bootc.pb.api.NetworkMode.libvirt) return Optional.empty();
        return connection.call("look up network " + networkName, c -> {
            org.libvirt.Network n;
            try {
                n = c.networkLookupByName(networkName);
            } catch (org.libvirt.LibvirtException e) {
                return Optional.of("libvirt has no network " + networkName + " (virsh net-list --all lists them): name another, or define it");
            }
            try {
                return n.isActive() == 1 ? Optional.<String>empty()
                        : Optional.of("libvirt network " + networkName + " is not active: virsh net-start " + networkName
                        + " (and virsh net-autostart " + networkName + " to start it with libvirt)");
            } finally {
                n.free();
            }
        });
    }
}
