package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.PortForward;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.libvirt.DomainXml;
import dev.bootc.pb.port.Progress;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A VM on a libvirt network or a host bridge: its own address, found from libvirt, is where SSH goes; no host port is its. */
class OwnNetworkTest extends CoreTest {

    static BootcVm onNetwork(NetworkMode mode, String name) {
        BootcVm vm = vm("nat", "uid-n");
        vm.getSpec().setNetwork(mode);
        vm.getSpec().setNetworkName(name);
        return vm;
    }

    @Test
    void aVmOnALibvirtNetworkIsReachedAtTheAddressLibvirtLeasedIt() {
        BootcVm vm = onNetwork(NetworkMode.libvirt, "default");
        world.ssh.ready = true;
        pass(vm);
        var spec = world.domains.specs.get("default_nat");
        assertEquals(NetworkMode.libvirt, spec.network());
        assertEquals("default", spec.networkName());
        String xml = DomainXml.write(spec);
        assertTrue(xml.contains("<interface type=\"network\">") || xml.contains("<interface type='network'>"), xml);
        assertTrue(xml.contains("network=\"default\"") || xml.contains("network='default'"), xml);
        assertTrue(xml.contains(DomainXml.mac("default_nat")), "a MAC of its own, the same at every boot: " + xml);
        assertFalse(xml.contains("qemu:commandline"), "no QEMU arguments: " + xml);
        assertTrue(world.ssh.holders.isEmpty() && world.ssh.ports.isEmpty(), "no port of the host is the VM's: " + world.ssh.holders);
        assertTrue(world.ssh.probed.isEmpty(), "no probe before the guest has an address: " + world.ssh.probed);
        assertEquals("WaitingForSsh", vm.getStatus().condition(Conditions.SSH_READY).orElseThrow().getReason());
        assertTrue(vm.getStatus().condition(Conditions.SSH_READY).orElseThrow().getMessage()
                .contains("no address on libvirt network default yet (no DHCP lease)"), vm.getStatus().condition(Conditions.SSH_READY).orElseThrow().getMessage());

        world.domains.addresses.put("default_nat", "192.168.122.57");
        pass(vm);
        assertEquals(List.of("192.168.122.57:22"), world.ssh.probed);
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("192.168.122.57", vm.getStatus().getAddress());
        assertEquals(22, vm.getStatus().getSshPort());
        assertEquals("192.168.122.57", vm.getStatus().sshHost());
        assertTrue(vm.getStatus().condition(Conditions.SSH_READY).orElseThrow().getMessage().contains("192.168.122.57:22"));

        // a new boot finds its address again
        world.domains.stopBehindOurBack("default_nat");
        world.domains.addresses.put("default_nat", "192.168.122.58");
        world.ssh.probed.clear();
        pass(vm);
        pass(vm);
        assertEquals("192.168.122.58", vm.getStatus().getAddress());
        assertTrue(world.ssh.probed.stream().allMatch("192.168.122.58:22"::equals), world.ssh.probed.toString());
    }

    @Test
    void sshGoesToTheGuestsAddressOnlyOnceItHasOneAndToLoopbackWithUserNetworking() {
        BootcVm nat = onNetwork(NetworkMode.libvirt, "default");
        assertTrue(nat.sshHost().isEmpty(), "no status: no address, and never the host's own port 22");
        nat.setStatus(new dev.bootc.pb.api.BootcVmStatus());
        assertTrue(nat.sshHost().isEmpty());
        nat.getStatus().setAddress("192.168.122.7");
        assertEquals(java.util.Optional.of("192.168.122.7"), nat.sshHost());
        assertEquals(java.util.Optional.of("127.0.0.1"), vm("u", "uid-u").sshHost());
    }

    @Test
    void noAddressWithinTheSshTimeoutFailsNamingTheNetwork() {
        BootcVm vm = onNetwork(NetworkMode.bridge, "br0");
        pass(vm);
        clock.advance(Duration.ofMinutes(6));
        var o = pass(vm);
        assertEquals(Failure.SshTimeout, o.failure().failure());
        assertTrue(o.failure().getMessage().contains("bridge network br0"), o.failure().getMessage());
        assertTrue(o.failure().getMessage().contains("not in the host's ARP table"), o.failure().getMessage());
    }

    @Test
    void aNetworkTheHostLacksFailsBeforeAnythingIsMade() {
        world.domains.networkProblems.put("nosuch", "libvirt has no network nosuch (virsh net-list --all lists them): name another, or define it");
        var o = pass(onNetwork(NetworkMode.libvirt, "nosuch"));
        assertEquals(Failure.NetworkUnavailable, o.failure().failure());
        assertEquals("VM nat cannot join libvirt network nosuch: libvirt has no network nosuch (virsh net-list --all lists them): name another, or define it",
                o.failure().getMessage());
        assertTrue(world.calls.isEmpty(), "no pull, disk or domain: " + world.calls);
    }

    @Test
    void aTenantJoinsOnlyTheNetworksTheAdminAllows() {
        VmReconciler forTenants = new VmReconciler(world.images, world.disks, world.domains, world.ssh, layout,
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), clock,
                NodePolicy.tenants(List.of(), List.of(), List.of(), List.of("libvirt=default")));
        var refused = forTenants.reconcile(onNetwork(NetworkMode.bridge, "br0"), Progress.none());
        assertEquals(Failure.NetworkNotAllowed, refused.failure().failure());
        assertTrue(refused.failure().getMessage().startsWith("spec.networkName: invalid value \"br0\": must be a network this node's admin allows: libvirt=default"),
                refused.failure().getMessage());
        assertTrue(world.calls.isEmpty(), "nothing made for it: " + world.calls);
        world.ssh.ready = true;
        world.domains.addresses.put("default_nat", "192.168.122.9");
        BootcVm allowed = onNetwork(NetworkMode.libvirt, "default");
        forTenants.reconcile(allowed, Progress.none());
        assertTrue(world.calls.contains("start"), world.calls.toString());
        var none = NodePolicy.tenants(List.of(), List.of(), List.of());
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(dev.bootc.pb.api.PbException.class, () -> none.check(allowed.getSpec()))
                .getMessage().contains("its admin allows none; user networking is always there"));
    }

    @Test
    void theSpecNamesItsNetworkAndForwardsNoPort() {
        var unnamed = onNetwork(NetworkMode.libvirt, null);
        assertEquals("spec.networkName: invalid value missing: name the libvirt network, like --network libvirt=default (network: libvirt)",
                Validation.problems(unnamed).get(0).toString());
        var forwarded = onNetwork(NetworkMode.bridge, "br0");
        PortForward p = new PortForward();
        p.setHostPort(8080);
        p.setGuestPort(80);
        forwarded.getSpec().setPorts(List.of(p));
        assertTrue(Validation.problems(forwarded).get(0).toString().startsWith("spec.ports: invalid value \"1 forward(s)\": none with network: bridge"),
                Validation.problems(forwarded).toString());
        var stray = vm("u", "uid-u");
        stray.getSpec().setNetworkName("default");
        assertEquals("spec.networkName: invalid value \"default\": only with network: bridge or libvirt (network is user)",
                Validation.problems(stray).get(0).toString());
        var markup = onNetwork(NetworkMode.libvirt, "default'/><x");
        assertTrue(Validation.problems(markup).get(0).toString().startsWith("spec.networkName: invalid value"), Validation.problems(markup).toString());
        assertNull(Validation.problems(onNetwork(NetworkMode.libvirt, "default")).stream().findFirst().orElse(null));
    }
}
