package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.PbMetadata;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Secrets;
import dev.bootc.pb.port.Ssh;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The store-agnostic reconcile of DESIGN.md, and every decision about a VM: given a BootcVm and what
 * the ports show now, it decides the next actions, has the ports do them, and computes the status.
 * Level-triggered and idempotent: every pass starts from what libvirt, the disks and SSH show, never
 * from what an earlier pass believed. A terminal failure is kept, untried, until the resource changes.
 */
public final class VmReconciler {
    /** How often to look again while the VM boots or stops. */
    public static final Duration POLL = Duration.ofMillis(500);

    private final Images images;
    private final Disks disks;
    private final Domains domains;
    private final Ssh ssh;
    private final VmLayout layout;
    private final Timeouts timeouts;
    private final Clock clock;
    private final NodePolicy policy;
    private final HostPorts hostPorts;
    private final Converge converge;
    private final Secrets secrets;

    /** How long a guest may take: to answer SSH after starting, to power off before it is destroyed. */
    public record Timeouts(Duration ssh, Duration shutdown) {
    }

    /** For the host's own user ({@link NodePolicy#owner()}). */
    public VmReconciler(Images images, Disks disks, Domains domains, Ssh ssh, VmLayout layout, Timeouts timeouts, Clock clock) {
        this(images, disks, domains, ssh, layout, timeouts, clock, NodePolicy.owner());
    }

    /** On a store without Secrets (the file store). */
    public VmReconciler(Images images, Disks disks, Domains domains, Ssh ssh, VmLayout layout, Timeouts timeouts, Clock clock,
                        NodePolicy policy) {
        this(images, disks, domains, ssh, layout, timeouts, clock, policy, Secrets.NONE);
    }

    /**
     * @param policy  what a BootcVm may have of this host: checked before anything is made for it
     * @param secrets the store's Secrets, which a VM's cloud-init may come from
     */
    public VmReconciler(Images images, Disks disks, Domains domains, Ssh ssh, VmLayout layout, Timeouts timeouts, Clock clock,
                        NodePolicy policy, Secrets secrets) {
        this.policy = policy;
        this.secrets = secrets;
        this.images = images;
        this.disks = disks;
        this.domains = domains;
        this.ssh = ssh;
        this.layout = layout;
        this.timeouts = timeouts;
        this.clock = clock;
        this.hostPorts = new HostPorts(ssh, layout);
        // a clock a test moves is also what its waits wait on
        InPlaceUpdate.Pause pause = clock instanceof InPlaceUpdate.Pause p ? p : InPlaceUpdate.SLEEP;
        this.converge = new Converge(images, disks, domains, ssh, layout, timeouts, clock, policy, secrets, hostPorts,
                new GuestMounts(images, disks, ssh, layout), new InPlaceUpdate(images, domains, ssh, layout, timeouts.ssh(), clock, pause));
    }

    /** Where this core keeps its VMs, and how it names their domains. */
    public VmLayout layout() {
        return layout;
    }

    /**
     * One pass over one VM: what it is decides the step. Deleting: remove what it has. Another's domain under its name:
     * an owner conflict, nothing touched. Halted: stop it. A failure kept for this generation: nothing tried. Else
     * {@link Converge} brings it up. Failures become conditions; nothing is thrown for a failure a port reports.
     */
    public Outcome reconcile(BootcVm vm, Progress progress) {
        long generation = vm.getMetadata().getGeneration() == null ? 1 : vm.getMetadata().getGeneration();
        VmKey key = VmKey.of(vm);
        StatusBuilder sb = new StatusBuilder(vm.getStatus(), generation, clock);
        List<Outcome.Event> events = new ArrayList<>();
        Optional<Domain> found = domains.find(layout.domainName(key));
        // what the name leads to may be another resource's: then nothing there is this one's to use, stop or remove
        Optional<String> foreign = Ownership.foreign(vm, found, layout);
        Optional<Domain> domain = foreign.isPresent() ? Optional.empty() : found;
        if (vm.isDeleting()) return delete(vm, foreign, domain, sb, events, progress);

        BootcVm eff = Defaults.apply(vm.copy());
        BootcVmSpec spec = eff.getSpec();
        if (policy.tenants()) RealHostPaths.resolve(disks, spec);
        BootcVmStatus st = sb.status();
        st.setNodeName(spec.getNodeName());
        st.setDomainName(layout.domainName(key));
        st.setSshUser(spec.getSsh().getUser());
        if (foreign.isPresent()) return ownerConflict(foreign.get(), sb, events);
        domain.ifPresent(d -> st.setDomainUUID(d.uuid()));
        if (spec.getRunStrategy() == RunStrategy.Halted) return halted(key, sb, domain, events, progress);
        Optional<Condition> failed = StatusBuilder.terminalFailure(vm.getStatus(), generation);
        if (failed.isPresent()) {
            // tried and failed for good at this generation: no retry until the resource changes
            PbException why = Failure.valueOf(failed.get().getReason()).with(failed.get().getMessage());
            return Outcome.failed(sb.finish(false, domain.map(Domain::running).orElse(false), false), why, events);
        }
        return converge.run(new Converge.Pass(vm, eff, sb, events, domain, progress));
    }

    private Outcome delete(BootcVm vm, Optional<String> foreign, Optional<Domain> domain, StatusBuilder sb, List<Outcome.Event> events,
                           Progress progress) {
        VmKey key = VmKey.of(vm);
        progress.phase("Removing VM " + key.name());
        if (foreign.isPresent()) {
            events.add(new Outcome.Event(VmEvent.Deleted, "Removed nothing: " + foreign.get(), true));
        } else {
            new Cleanup(disks, domains, ssh, layout).remove(key, domain, recordedPort(vm, domain));
            events.add(new Outcome.Event(VmEvent.Deleted, "Removed domain, disk and keys", false));
        }
        return Outcome.deleted(sb.finish(false, false, true), events);
    }

    private Outcome halted(VmKey key, StatusBuilder sb, Optional<Domain> domain, List<Outcome.Event> events, Progress progress) {
        BootcVmStatus st = sb.status();
        try {
            if (domain.isPresent() && domain.get().running()) {
                progress.phase("Stopping VM " + key.name());
                domains.shutdown(domain.get().name(), timeouts.shutdown());
                events.add(new Outcome.Event(VmEvent.Stopped, "Domain " + st.getDomainName() + " shut down", false));
                domain = domains.find(domain.get().name());
            }
        } catch (PbException e) {
            sb.set(Conditions.DOMAIN_READY, false, e.reason(), e.getMessage());
            sb.set(Conditions.READY, false, e.reason(), e.getMessage());
            return Outcome.failed(sb.finish(true, true, false), e, events);
        }
        boolean running = domain.map(Domain::running).orElse(false);
        if (st.condition(Conditions.DISK_READY).isEmpty()) {
            sb.set(Conditions.DISK_READY, false, "Halted", "Nothing is provisioned while runStrategy is Halted");
        }
        sb.set(Conditions.DOMAIN_READY, domain.isPresent(), domain.isPresent() ? "ShutOff" : "Halted",
                domain.isPresent() ? "Domain " + st.getDomainName() + " is shut off" : "No domain while runStrategy is Halted");
        sb.set(Conditions.SSH_READY, false, "Halted", "VM is stopped");
        sb.set(Conditions.READY, false, "Halted", "runStrategy is Halted: pb start " + key.name());
        sb.remove(Conditions.RESTART_REQUIRED);
        sb.remove(Conditions.VOLUMES_READY);
        st.setStartedAt(null);
        BootcVmStatus done = sb.finish(true, running, false);
        return running ? Outcome.requeue(done, POLL, events) : Outcome.settled(done, events);
    }

    /**
     * Refuses, before anything is written, what can be known bad already: a forwarded host port another VM
     * holds; cloud-init's input (a folder with a link or another user's file, a Secret the store cannot have);
     * volume guest paths that the image, when it is in local storage, cannot have, and volumes its systemd cannot
     * get. (An image still to be pulled is checked after the pull; a port taken between this check and the reconcile,
     * by the reserve.)
     */
    public void precheck(BootcVm vm) {
        hostPorts.precheck(VmKey.of(vm), vm.getSpec());
        CloudInitPlan.seed(vm, secrets).ifPresent(disks::readSeed);
        List<VolumeMount> volumes = vm.getSpec().volumesOrEmpty();
        if (volumes.isEmpty()) return;
        domains.facts().volumesRefused().ifPresent(why -> {
            throw Failure.VirtiofsdMissing.with(why);
        });
        String ref = vm.getSpec().getImage();
        Optional<Image> local = images.local(ref);
        if (local.isEmpty()) return;
        GuestPaths.check(ref, volumes, () -> images.topLevelEntries(local.get()));
        GuestMounts.check(ref, vm.getSpec(), boxed(images.systemdVersion(local.get())));
    }

    /**
     * Removes a domain of this store whose resource is gone (an orphan), with its disk, key folder and port:
     * what a deletion removes. Another store's domain, or one whose name is not the one this store gives the
     * owner it records, is refused: its disk and key are not at this store's paths of that owner.
     */
    public void removeOrphan(Domain orphan) {
        PbMetadata m = orphan.pbMetadata().orElseThrow(() -> new IllegalArgumentException("not a domain of pb: " + orphan.name()));
        if (!Ownership.isThisStores(orphan, layout)) {
            throw Failure.OwnerConflict.with("domain " + orphan.name() + " (of " + m.owner() + ") is not this store's: left as it is");
        }
        new Cleanup(disks, domains, ssh, layout).remove(new VmKey(m.ownerNamespace(), m.ownerName()), Optional.of(orphan), m.sshPort());
    }

    /** A domain another resource of this name owns: this one fails for good, and nothing is done to that domain. */
    private Outcome ownerConflict(String why, StatusBuilder sb, List<Outcome.Event> events) {
        BootcVmStatus st = sb.status();
        st.setDomainUUID(null);
        st.setSshPort(null);
        st.setDiskPath(null);
        st.setSshKeyPath(null);
        PbException e = Failure.OwnerConflict.with(why);
        sb.set(Conditions.DOMAIN_READY, false, e.reason(), e.getMessage());
        sb.set(Conditions.READY, false, e.reason(), e.getMessage());
        events.add(new Outcome.Event(VmEvent.Failed, e.getMessage(), true));
        return Outcome.failed(sb.finish(false, false, false), e, events);
    }

    static Integer recordedPort(BootcVm vm, Optional<Domain> domain) {
        Integer fromDomain = domain.flatMap(Domain::pbMetadata).map(PbMetadata::sshPort).orElse(null);
        if (fromDomain != null) return fromDomain;
        return vm.getStatus() == null ? null : vm.getStatus().getSshPort();
    }

    static Integer boxed(java.util.OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : null;
    }
}
