package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.PbMetadata;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.reconcile.VmLayout;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code pb ssh}: a shell or a command in a running VM, with its own key and pinned host key. */
public final class Sessions {
    private final Vms vms;
    private final Domains domains;
    private final Ssh ssh;
    private final VmLayout layout;

    public Sessions(Vms vms, Domains domains, Ssh ssh, VmLayout layout) {
        this.vms = vms;
        this.domains = domains;
        this.ssh = ssh;
        this.layout = layout;
    }

    /** Connects to the named VM; returns the remote status, or 255 when SSH fails. */
    public int ssh(String name, String user, List<String> command) {
        return connect(vms.require(name), user, command);
    }

    /**
     * The VM {@code pb ssh} with no name goes to: of this namespace's VMs whose domain runs now, the
     * one created last (the name decides a tie). Fails with NoRunningVm.
     */
    public String latestRunning() {
        java.util.Set<String> running = new java.util.HashSet<>();
        for (Domain d : domains.listOwned()) if (d.running()) running.add(d.name());
        return vms.store().list(vms.namespace()).stream()
                .filter(vm -> running.contains(layout.domainName(VmKey.of(vm))))
                .max(java.util.Comparator.comparing((BootcVm vm) -> created(vm)).thenComparing(vm -> vm.getMetadata().getName()))
                .map(vm -> vm.getMetadata().getName())
                .orElseThrow(() -> Failure.NoRunningVm.with("no VM of namespace " + vms.namespace()
                        + " is running: name one (see pb list), or pb run IMAGE"));
    }

    private static java.time.Instant created(BootcVm vm) {
        try {
            return java.time.Instant.parse(vm.getMetadata().getCreationTimestamp());
        } catch (RuntimeException e) {
            return java.time.Instant.EPOCH;
        }
    }

    int connect(BootcVm vm, String user, List<String> command) {
        VmKey key = VmKey.of(vm);
        Optional<Domain> domain = domains.find(layout.domainName(key));
        if (domain.isEmpty() || !domain.get().running()) {
            throw Failure.VmNotRunning.with("VM " + key.name() + " is not running: pb start " + key.name());
        }
        Integer port = domain.get().pbMetadata().map(PbMetadata::sshPort).orElse(vm.getStatus() == null ? null : vm.getStatus().getSshPort());
        if (port == null) throw Failure.NoSsh.with("VM " + key.name() + " has no SSH port (network: none?)");
        String login = user != null ? user : Defaults.sshUser(vm.getSpec());
        Path vmDir = layout.vmDir(key);
        Path privateKey = ssh.existingKey(vmDir).map(Ssh.SshKey::privateKey).orElseThrow(() ->
                Failure.NoSsh.with("VM " + key.name() + " has no SSH key in " + vmDir + ": pb rm -f " + key.name() + " and run it again"));
        String host = vm.sshHost().orElseThrow(() -> Failure.NoSsh.with("VM " + key.name() + " has no address on its " + vm.getSpec().getNetwork()
                + " network " + vm.getSpec().getNetworkName() + " yet: wait for it (pb inspect " + key.name() + " shows the address once libvirt knows it)"));
        return ssh.connect(new Ssh.Target(host, port, login, privateKey, layout.knownHosts(key)), command);
    }
}
