package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PortForward;
import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.port.Ssh.HostPort;
import dev.bootc.pb.port.Ssh.PortHolder;

import java.util.List;
import java.util.Optional;

/**
 * The host ports a VM holds on this host, its SSH port and its forwards' host ports, and the refusal of a
 * port another VM holds (running or stopped): a tenant must not publish on another VM's SSH port, nor keep
 * a stopped VM from starting by taking its port. The claim itself is one locked step of the host's
 * registry ({@link Ssh#reservePorts}); this class asks for it and words the refusal.
 */
final class HostPorts {
    private final Ssh ssh;
    private final VmLayout layout;

    HostPorts(Ssh ssh, VmLayout layout) {
        this.ssh = ssh;
        this.layout = layout;
    }

    /** The VM's SSH port ({@code recorded} when it has one), its forwards reserved with it; PortConflict when one is another VM's. */
    int reserve(VmKey key, BootcVmSpec spec, Integer recorded) {
        List<PortForward> forwards = spec.portsOrEmpty();
        Ssh.Reservation r = ssh.reservePorts(layout.portOwner(key), recorded, forwards.stream().map(HostPorts::hostPort).toList());
        if (r.conflict() == null) return r.sshPort();
        PortHolder h = r.conflict();
        int i = indexOf(forwards, h.port());
        if (i < 0) {
            throw Failure.PortConflict.with("the SSH port this VM recorded, " + h.port() + ", is " + holder(key, h)
                    + " now: remove this VM and create it again for a new one");
        }
        throw refusal(key, i, h);
    }

    /** Before anything is written (pb run): a forward on a host port another VM holds now is refused. */
    void precheck(VmKey key, BootcVmSpec spec) {
        List<PortForward> forwards = spec.portsOrEmpty();
        for (int i = 0; i < forwards.size(); i++) {
            Optional<PortHolder> h = ssh.portHolder(hostPort(forwards.get(i)));
            if (h.isPresent() && !h.get().owner().equals(layout.portOwner(key))) throw refusal(key, i, h.get());
        }
    }

    private PbException refusal(VmKey key, int index, PortHolder h) {
        return Failure.PortConflict.with("spec.ports[" + index + "].hostPort: " + h.port() + " is " + holder(key, h)
                + ": choose another host port");
    }

    /**
     * Who holds the port, as the one refused may read it: the host's own user (the file store) sees every
     * VM's name; a tenant (the Kubernetes store) only those of its namespace, not another tenant's or the
     * host owner's.
     */
    private String holder(VmKey viewer, PortHolder h) {
        String what = h.ssh() ? "SSH port" : "forwarded port";
        if (h.owner().equals(layout.portOwner(viewer))) return "this VM's own " + what;
        String store = VmLayout.storeOfPortOwner(h.owner());
        VmKey other = VmLayout.keyOfPortOwner(h.owner());
        String who;
        if (store.equals(layout.store()) && other.namespace().equals(viewer.namespace())) {
            who = "VM " + other.name();
        } else if (!VmLayout.FILE.equals(layout.store())) {
            who = "another VM";
        } else if (store.equals(VmLayout.FILE)) {
            who = "VM " + other;
        } else {
            who = "the " + store + " store's VM " + other;
        }
        return who + "'s " + what + " on this host";
    }

    static HostPort hostPort(PortForward p) {
        return new HostPort(p.getProtocol() == null ? Protocol.tcp : p.getProtocol(), p.getHostPort());
    }

    private static int indexOf(List<PortForward> forwards, HostPort port) {
        for (int i = 0; i < forwards.size(); i++) if (hostPort(forwards.get(i)).equals(port)) return i;
        return -1;
    }
}
