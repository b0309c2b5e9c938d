package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Condition;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Quantity;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.PbMetadata;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.port.Secrets;
import dev.bootc.pb.port.Ssh;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
    private final GuestMounts mounts;
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
        this.mounts = new GuestMounts(images, disks, ssh, layout);
    }

    /** Where this core keeps its VMs, and how it names their domains. */
    public VmLayout layout() {
        return layout;
    }

    /** One pass over one VM. Failures become conditions; nothing is thrown for a failure a port reports. */
    public Outcome reconcile(BootcVm vm, Progress progress) {
        long generation = vm.getMetadata().getGeneration() == null ? 1 : vm.getMetadata().getGeneration();
        VmKey key = VmKey.of(vm);
        StatusBuilder sb = new StatusBuilder(vm.getStatus(), generation, clock);
        List<Outcome.Event> events = new ArrayList<>();
        Optional<Domain> found = domains.find(layout.domainName(key));
        // what the name leads to may be another resource's: then nothing there is this one's to use, stop or remove
        Optional<String> foreign = Ownership.foreign(vm, found, layout);
        Optional<Domain> domain = foreign.isPresent() ? Optional.empty() : found;

        if (vm.isDeleting()) {
            progress.phase("Removing VM " + key.name());
            if (foreign.isPresent()) {
                events.add(new Outcome.Event(VmEvent.Deleted, "Removed nothing: " + foreign.get(), true));
            } else {
                new Cleanup(disks, domains, ssh, layout).remove(key, domain, recordedPort(vm, domain));
                events.add(new Outcome.Event(VmEvent.Deleted, "Removed domain, disk and keys", false));
            }
            return new Outcome(sb.finish(false, false, true), null, true, null, events);
        }

        BootcVm eff = Defaults.apply(vm.copy());
        BootcVmSpec spec = eff.getSpec();
        if (policy.tenants()) RealHostPaths.resolve(disks, spec);
        BootcVmStatus st = sb.status();
        st.setNodeName(spec.getNodeName());
        st.setDomainName(layout.domainName(key));
        st.setSshUser(spec.getSsh().getUser());
        if (foreign.isPresent()) return ownerConflict(foreign.get(), sb, events);
        domain.ifPresent(d -> st.setDomainUUID(d.uuid()));
        boolean running = domain.map(Domain::running).orElse(false);

        if (spec.getRunStrategy() == RunStrategy.Halted) return halted(key, sb, domain, events, progress);

        Optional<Condition> failed = StatusBuilder.terminalFailure(vm.getStatus(), generation);
        if (failed.isPresent()) {
            // tried and failed for good at this generation: no retry until the resource changes
            PbException why = Failure.valueOf(failed.get().getReason()).with(failed.get().getMessage());
            return new Outcome(sb.finish(false, running, false), null, false, why, events);
        }

        String step = Conditions.DOMAIN_READY;
        try {
            policy.check(spec);
            // the host's ports first: a port another VM holds fails now, not after a disk build of minutes
            Integer port = spec.getNetwork() == NetworkMode.none ? null : hostPorts.reserve(key, spec, recordedPort(vm, domain));
            st.setSshPort(port);
            step = Conditions.DISK_READY;
            // cloud-init's input (a host folder, a Secret) is read, or refused, before anything is made for the VM
            DomainSpec.SeedDisk seed = CloudInitPlan.seed(eff, secrets)
                    .map(s -> new DomainSpec.SeedDisk(layout.cloudInitSeed(key), disks.writeSeed(layout.cloudInitSeed(key), s)))
                    .orElse(null);
            if (seed == null) disks.delete(layout.cloudInitSeed(key));
            Image image = null;
            boolean recorded = vm.getStatus() != null && vm.getStatus().getDiskPath() != null;
            // a disk an earlier VM of this name left behind is never this VM's, so not booted as if it were
            Path disk = VmDisk.settle(disks, layout, key, spec.getDisk().getFormat(), recorded || domain.isPresent(), events);
            if (!disks.exists(disk)) {
                image = provisionDisk(eff, key, sb, events, progress);
            }
            Ssh.SshKey sshKey = ssh.ensureKey(layout.vmDir(key), keyType(spec), "pb@" + key.name());
            st.setDiskPath(disk.toString());
            st.setSshKeyPath(sshKey.privateKey().toString());
            sb.set(Conditions.DISK_READY, true, "DiskReady", "Disk " + disk);

            step = Conditions.DOMAIN_READY;
            String digest = image != null ? image.digest() : st.getImageDigest() != null ? st.getImageDigest()
                    : domain.flatMap(Domain::pbMetadata).map(PbMetadata::digest).orElse(null);
            Integer systemd = mounts.systemd(spec, st, !running);
            GuestMounts.check(spec.getImage(), spec, systemd);
            boolean overSsh = GuestMounts.overSsh(spec, systemd);
            DomainSpec desired = DesiredDomain.of(eff, layout, new DesiredDomain.Facts(domains.facts(), port, sshKey.privateKey(),
                    sshKey.publicKey(), digest, created(vm, domain), seed, systemd));
            DesiredDomain.Change change = DesiredDomain.compare(domain, desired);
            if (change != DesiredDomain.Change.NONE) {
                domains.define(desired);
                if (change == DesiredDomain.Change.CREATE) events.add(new Outcome.Event(VmEvent.Defined, "Domain " + desired.name() + " defined", false));
            }
            if (change == DesiredDomain.Change.UPDATE_RESTART_REQUIRED) {
                sb.set(Conditions.RESTART_REQUIRED, true, "SpecChanged", "The spec changed in a way that needs a reboot: pb stop "
                        + key.name() + " && pb start " + key.name());
                events.add(new Outcome.Event(VmEvent.RestartRequired, "Spec changed; restart to apply", false));
            }
            boolean startedNow = !running;
            if (!running) {
                progress.phase("Starting VM " + key.name());
                domains.resetSerialLog(layout.serialLog(key));
                domains.start(desired.name());
                st.setStartedAt(sb.timestamp());
                sb.remove(Conditions.RESTART_REQUIRED);
                GuestMounts.started(sb, overSsh);
                events.add(new Outcome.Event(VmEvent.Started, "Domain " + desired.name() + " started", false));
                domain = domains.find(desired.name());
                domain.ifPresent(d -> st.setDomainUUID(d.uuid()));
                running = domain.map(Domain::running).orElse(false);
                if (!running) throw Failure.LibvirtError.with("Domain " + desired.name() + " did not start: see " + layout.serialLog(key));
            }
            if (st.getStartedAt() == null) st.setStartedAt(sb.timestamp());
            sb.set(Conditions.DOMAIN_READY, true, "Running", "Domain " + desired.name() + " is running");

            step = Conditions.SSH_READY;
            if (port == null) {
                sb.set(Conditions.SSH_READY, false, "NoNetwork", "network: none, so no SSH");
                sb.set(Conditions.READY, true, "Running", "VM is running without a network");
                return new Outcome(sb.finish(false, true, false), null, false, null, events);
            }
            String seenUuid = vm.getStatus() == null ? null : vm.getStatus().getDomainUUID();
            if (!startedNow && sb.isTrue(Conditions.SSH_READY) && seenUuid != null && seenUuid.equals(st.getDomainUUID())
                    && !GuestMounts.pending(sb, overSsh)) {
                // SSH answered this boot already (libvirt shows the same domain running): a resync costs no login
                sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + key.name());
                return new Outcome(sb.finish(false, true, false), null, false, null, events);
            }
            if (startedNow) sb.set(Conditions.SSH_READY, false, "WaitingForSsh", "Waiting for SSH on 127.0.0.1:" + port);
            return awaitSsh(eff, key, port, sshKey, GuestMounts.pending(sb, overSsh) ? desired.sharedFolders() : List.of(), sb, events, progress);
        } catch (PbException e) {
            sb.set(step, false, e.reason(), e.getMessage());
            sb.set(Conditions.READY, false, e.reason(), e.getMessage());
            events.add(new Outcome.Event(VmEvent.Failed, e.getMessage(), true));
            boolean nowRunning = domains.find(layout.domainName(key)).map(Domain::running).orElse(false);
            return new Outcome(sb.finish(false, nowRunning, false), null, false, e, events);
        }
    }

    /** Pulls the image, checks the volumes against it, builds (or reuses) its base disk and makes the VM's disk from it. */
    private Image provisionDisk(BootcVm eff, VmKey key, StatusBuilder sb, List<Outcome.Event> events, Progress progress) {
        BootcVmSpec spec = eff.getSpec();
        sb.set(Conditions.DISK_READY, false, "Pulling", "Resolving image " + spec.getImage());
        progress.phase("Pulling image " + spec.getImage());
        ImageNames.requireReference("spec.image", spec.getImage(), images::storedImages);
        Image image = images.resolve(spec.getImage(), Defaults.pullPolicy(spec), progress);
        sb.status().setImageDigest(image.digest());
        GuestPaths.check(spec.getImage(), spec.volumesOrEmpty(), () -> images.topLevelEntries(image.reference()));
        // what the guest's systemd can do is learnt once, with the image: status and base disk keep it
        sb.status().setSystemdVersion(boxed(images.systemdVersion(image)));
        GuestMounts.check(spec.getImage(), spec, sb.status().getSystemdVersion());
        events.add(new Outcome.Event(VmEvent.Pulled, "Image " + spec.getImage() + " is " + image.digest(), false));
        sb.set(Conditions.DISK_READY, false, "BuildingDisk", "Building the base disk of " + spec.getImage());
        progress.phase("Building disk");
        BaseDisk base = disks.ensureBase(image, BaseDiskPlan.options(spec, image, images::declaredRootFilesystem),
                sb.status().getSystemdVersion(), progress);
        sb.status().setBaseDisk(base.path().toString());
        sb.status().setFilesystem(base.options().filesystem() == null ? null : base.options().filesystem().name());
        events.add(new Outcome.Event(VmEvent.DiskBuilt, "Base disk " + base.key() + " at " + base.path(), false));
        VmDisk.create(disks, base.path(), layout.disk(key, spec.getDisk().getFormat()), Quantity.bytes(spec.getDisk().getSize()), progress);
        return image;
    }

    /** Waits for SSH; once it answers, mounts {@code sshMounts} (the volumes pb mounts itself in this boot, if any). */
    private Outcome awaitSsh(BootcVm eff, VmKey key, int port, Ssh.SshKey sshKey, List<DomainSpec.SharedFolder> sshMounts, StatusBuilder sb,
                             List<Outcome.Event> events, Progress progress) {
        BootcVmStatus st = sb.status();
        progress.phase("Waiting for SSH on 127.0.0.1:" + port);
        Ssh.Probe probe = ssh.probe(port, eff.getSpec().getSsh().getUser(), sshKey.privateKey());
        if (probe.ready()) {
            if (!sb.isTrue(Conditions.SSH_READY)) events.add(new Outcome.Event(VmEvent.SshReady, "SSH answers on 127.0.0.1:" + port, false));
            st.setGuest(GuestView.read(ssh, new Ssh.Target(port, eff.getSpec().getSsh().getUser(), sshKey.privateKey(),
                    layout.knownHosts(key)), clock).orElse(null));
            sb.set(Conditions.SSH_READY, true, "Handshake", "SSH answers on 127.0.0.1:" + port);
            PbException unmounted = sshMounts.isEmpty() ? null : mounts.mount(key, port, sshKey.privateKey(), sshMounts, sb, progress);
            if (unmounted != null) {
                sb.set(Conditions.READY, false, unmounted.reason(), unmounted.getMessage());
                events.add(new Outcome.Event(VmEvent.Failed, unmounted.getMessage(), true));
                return new Outcome(sb.finish(false, true, false), null, false, unmounted, events);
            }
            sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + key.name());
            return new Outcome(sb.finish(false, true, false), null, false, null, events);
        }
        Path serial = layout.serialLog(key);
        String console = domains.serialLogTail(serial, SerialLogFailures.TAIL_BYTES);
        SerialLogFailures.check(key.name(), eff.getSpec().getFirmware(), serial, console);
        Duration waited = Duration.between(parse(st.getStartedAt(), clock.instant()), clock.instant());
        // startedAt has whole seconds (a Kubernetes timestamp), so waited may read up to 1 s more than it was
        if (waited.compareTo(timeouts.ssh().plusSeconds(1)) > 0) {
            throw Failure.SshTimeout.with("VM " + key.name() + " gave no SSH answer on 127.0.0.1:" + port + " within " + timeouts.ssh().toSeconds()
                    + " s (" + probe.reason() + "): " + ConsoleTail.describe(console, domains.serialLogWritten(serial), clock.instant(), serial));
        }
        sb.set(Conditions.SSH_READY, false, "WaitingForSsh", "Waiting for SSH on 127.0.0.1:" + port + ": " + probe.reason());
        sb.set(Conditions.READY, false, "Starting", "VM is booting");
        return new Outcome(sb.finish(false, true, false), POLL, false, null, events);
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
            return new Outcome(sb.finish(true, true, false), null, false, e, events);
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
        return new Outcome(sb.finish(true, running, false), running ? POLL : null, false, null, events);
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
        GuestPaths.check(ref, volumes, () -> images.topLevelEntries(ref));
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
        return new Outcome(sb.finish(false, false, false), null, false, e, events);
    }

    private static Integer recordedPort(BootcVm vm, Optional<Domain> domain) {
        Integer fromDomain = domain.flatMap(Domain::pbMetadata).map(PbMetadata::sshPort).orElse(null);
        if (fromDomain != null) return fromDomain;
        return vm.getStatus() == null ? null : vm.getStatus().getSshPort();
    }

    /** When the domain was first made: kept in its metadata, else the resource's creation, so the desired domain is stable. */
    private Instant created(BootcVm vm, Optional<Domain> domain) {
        Instant recorded = domain.flatMap(Domain::pbMetadata).map(PbMetadata::created).orElse(null);
        if (recorded != null) return recorded;
        return parse(vm.getMetadata().getCreationTimestamp(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    private static Integer boxed(java.util.OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : null;
    }

    private static SshKeyType keyType(BootcVmSpec spec) {
        return spec.getSsh().getKeyType() == null ? SshKeyType.ed25519 : spec.getSsh().getKeyType();
    }

    private static Instant parse(String timestamp, Instant fallback) {
        if (timestamp == null) return fallback;
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }
}
