package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Quantity;
import dev.bootc.pb.api.SshKeyType;
import dev.bootc.pb.api.VmKey;
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
import java.util.List;
import java.util.Optional;

/**
 * The steps of a pass that brings a VM up, in order, each a method: the node's policy and the host's ports; the
 * disk (cloud-init's seed, the VM's disk pulled and built when missing, its SSH key); the domain (defined as the
 * spec says, started); SSH (and the volumes pb mounts itself). A failed step sets its own condition.
 * {@link VmReconciler} decides whether a pass comes here at all.
 */
final class Converge {
    private final Images images;
    private final Disks disks;
    private final Domains domains;
    private final Ssh ssh;
    private final VmLayout layout;
    private final VmReconciler.Timeouts timeouts;
    private final Clock clock;
    private final NodePolicy policy;
    private final Secrets secrets;
    private final HostPorts hostPorts;
    private final GuestMounts mounts;
    private final SpecUpdate specUpdate;

    Converge(Images images, Disks disks, Domains domains, Ssh ssh, VmLayout layout, VmReconciler.Timeouts timeouts, Clock clock,
             NodePolicy policy, Secrets secrets, HostPorts hostPorts, GuestMounts mounts, InPlaceUpdate inPlace) {
        this.images = images;
        this.disks = disks;
        this.domains = domains;
        this.ssh = ssh;
        this.layout = layout;
        this.timeouts = timeouts;
        this.clock = clock;
        this.policy = policy;
        this.secrets = secrets;
        this.hostPorts = hostPorts;
        this.mounts = mounts;
        this.specUpdate = new SpecUpdate(inPlace, domains, ssh, layout);
    }

    /** What one pass knows: the resource as stored and with its defaults, the status it builds, what happened, and its step. */
    static final class Pass {
        final BootcVm vm;
        final BootcVm eff;
        final VmKey key;
        final StatusBuilder sb;
        final List<Outcome.Event> events;
        final Progress progress;
        Optional<Domain> domain;
        /** The condition a failure now sets. */
        String step = Conditions.DOMAIN_READY;
        /** Whether this pass changes the VM's image, decided from what the pass found before it changed anything. */
        UpdateTrigger.Decision update;

        Pass(BootcVm vm, BootcVm eff, StatusBuilder sb, List<Outcome.Event> events, Optional<Domain> domain, Progress progress) {
            this.vm = vm;
            this.eff = eff;
            this.key = VmKey.of(vm);
            this.sb = sb;
            this.events = events;
            this.domain = domain;
            this.progress = progress;
        }

        BootcVmSpec spec() {
            return eff.getSpec();
        }

        BootcVmStatus status() {
            return sb.status();
        }

        boolean running() {
            return domain.map(Domain::running).orElse(false);
        }

        void event(VmEvent reason, String message) {
            events.add(new Outcome.Event(reason, message, false));
        }
    }

    /** What the disk step made: the SSH port (null without a network), seed, disk and key, and the image when it was pulled now. */
    private record Provisioned(Integer port, DomainSpec.SeedDisk seed, Path disk, Ssh.SshKey sshKey, Image image) {
    }

    /** The domain step's result: the domain as defined, whether this pass started it, and whether pb mounts volumes over SSH. */
    private record Booted(DomainSpec desired, boolean startedNow, boolean overSsh) {
    }

    /** Brings the VM up as far as it goes in one pass; a failure becomes its step's condition. */
    Outcome run(Pass p) {
        try {
            policy.check(p.spec());
            p.update = UpdateTrigger.decide(p.vm, p.vm.getStatus(), p.domain);
            if (p.status().getUpdate() == null && p.update.applied() != null) p.status().setUpdate(p.update.applied());
            if (p.update.action() == UpdateTrigger.Action.RECREATE) recreate(p);
            Provisioned made = provision(p);
            Booted booted = boot(p, made);
            return sshStep(p, made, booted);
        } catch (PbException e) {
            p.sb.set(p.step, false, e.reason(), e.getMessage());
            p.sb.set(Conditions.READY, false, e.reason(), e.getMessage());
            p.events.add(new Outcome.Event(VmEvent.Failed, e.getMessage(), true));
            boolean nowRunning = domains.find(layout.domainName(p.key)).map(Domain::running).orElse(false);
            return Outcome.failed(p.sb.finish(false, nowRunning, false), e, p.events);
        }
    }

    /** updateStrategy Recreate: the VM's disk goes (stopped first), so this pass makes a new one from the new image and boots it. */
    private void recreate(Pass p) {
        String name = layout.domainName(p.key);
        p.progress.phase("Recreating VM " + p.key.name() + " from " + p.spec().getImage() + " (updateStrategy: Recreate)");
        if (p.running()) {
            p.progress.phase("Stopping VM " + p.key.name());
            domains.shutdown(name, timeouts.shutdown());
        }
        disks.delete(layout.disk(p.key, p.spec().getDisk().getFormat()));
        // a fresh install makes new SSH host keys: the key pinned at first contact goes with the disk that had it
        disks.delete(layout.knownHosts(p.key));
        BootcVmStatus st = p.status();
        st.setGuest(null);
        st.setImageDigest(null);
        st.setBaseDisk(null);
        st.setStartedAt(null);
        st.setUpdate(null);
        p.sb.remove(Conditions.UPDATING);
        p.sb.remove(Conditions.UPDATE_FAILED);
        p.domain = domains.find(name);
        p.event(VmEvent.Recreating, "Disk of VM " + p.key.name() + " removed: a new one is made from " + p.spec().getImage());
    }

    /** The host's ports, cloud-init's seed, the VM's disk (pulled and built when missing) and its SSH key. */
    private Provisioned provision(Pass p) {
        BootcVmSpec spec = p.spec();
        // the host's ports first: a port another VM holds fails now, not after a disk build of minutes
        Integer port = switch (Defaults.network(spec)) {
            case none -> null;
            case user -> hostPorts.reserve(p.key, spec, VmReconciler.recordedPort(p.vm, p.domain));
            case bridge, libvirt -> {
                // a network the host lacks fails now, before anything is made for the VM
                domains.networkProblem(spec.getNetwork(), spec.getNetworkName()).ifPresent(why -> {
                    throw Failure.NetworkUnavailable.with("VM " + p.key.name() + " cannot join " + spec.getNetwork() + " network "
                            + spec.getNetworkName() + ": " + why);
                });
                yield GUEST_SSH_PORT;
            }
        };
        p.status().setSshPort(port);
        if (!Defaults.network(spec).ownAddress()) p.status().setAddress(null);
        p.step = Conditions.DISK_READY;
        // cloud-init's input (a host folder, a Secret) is read, or refused, before anything is made for the VM
        Path seedPath = layout.cloudInitSeed(p.key);
        DomainSpec.SeedDisk seed = CloudInitPlan.seed(p.eff, secrets).map(s -> new DomainSpec.SeedDisk(seedPath, disks.writeSeed(seedPath, s))).orElse(null);
        if (seed == null) disks.delete(seedPath);
        boolean recorded = p.vm.getStatus() != null && p.vm.getStatus().getDiskPath() != null;
        // a disk an earlier VM of this name left behind is never this VM's, so not booted as if it were
        Path disk = VmDisk.settle(disks, layout, p.key, spec.getDisk().getFormat(), recorded || p.domain.isPresent(), p.events);
        Image image = disks.exists(disk) ? null : provisionDisk(p);
        Ssh.SshKey sshKey = ssh.ensureKey(layout.vmDir(p.key), keyType(spec), "pb@" + p.key.name());
        p.status().setDiskPath(disk.toString());
        p.status().setSshKeyPath(sshKey.privateKey().toString());
        p.sb.set(Conditions.DISK_READY, true, "DiskReady", "Disk " + disk);
        return new Provisioned(port, seed, disk, sshKey, image);
    }

    /** Pulls the image, checks the volumes against it, builds (or reuses) its base disk and makes the VM's disk from it. */
    private Image provisionDisk(Pass p) {
        BootcVmSpec spec = p.spec();
        StatusBuilder sb = p.sb;
        sb.set(Conditions.DISK_READY, false, "Pulling", "Resolving image " + spec.getImage());
        p.progress.phase("Pulling image " + spec.getImage());
        ImageNames.requireReference("spec.image", spec.getImage(), images::storedImages);
        Image image = images.resolve(spec.getImage(), Defaults.pullPolicy(spec), p.progress);
        sb.status().setImageDigest(image.digest());
        sb.status().setUpdate(new dev.bootc.pb.api.UpdateStatus(spec.getImage(), p.vm.upgradeRequest()));
        GuestPaths.check(spec.getImage(), spec.volumesOrEmpty(), () -> images.topLevelEntries(image));
        // what the guest's systemd can do is learnt once, with the image: status and base disk keep it
        sb.status().setSystemdVersion(VmReconciler.boxed(images.systemdVersion(image)));
        GuestMounts.check(spec.getImage(), spec, sb.status().getSystemdVersion());
        p.event(VmEvent.Pulled, "Image " + spec.getImage() + " is " + image.digest());
        sb.set(Conditions.DISK_READY, false, "BuildingDisk", "Building the base disk of " + spec.getImage());
        p.progress.phase("Building disk");
        BaseDisk base = disks.ensureBase(image, BaseDiskPlan.options(spec, image, images::declaredRootFilesystem),
                sb.status().getSystemdVersion(), p.progress);
        sb.status().setBaseDisk(base.path().toString());
        sb.status().setFilesystem(base.options().filesystem() == null ? null : base.options().filesystem().name());
        p.event(VmEvent.DiskBuilt, "Base disk " + base.key() + " at " + base.path());
        VmDisk.create(disks, base.path(), layout.disk(p.key, spec.getDisk().getFormat()), Quantity.bytes(spec.getDisk().getSize()), p.progress);
        return image;
    }

    /** Defines the domain as the spec says (a change that needs a reboot is said, not forced) and starts it when it is not running. */
    private Booted boot(Pass p, Provisioned made) {
        p.step = Conditions.DOMAIN_READY;
        BootcVmSpec spec = p.spec();
        BootcVmStatus st = p.status();
        String digest = made.image() != null ? made.image().digest() : st.getImageDigest() != null ? st.getImageDigest()
                : p.domain.flatMap(Domain::pbMetadata).map(PbMetadata::digest).orElse(null);
        Integer systemd = mounts.systemd(spec, st, !p.running());
        GuestMounts.check(spec.getImage(), spec, systemd);
        boolean overSsh = GuestMounts.overSsh(spec, systemd);
        DomainSpec desired = DesiredDomain.of(p.eff, layout, new DesiredDomain.Facts(domains.facts(), made.port(), made.sshKey().privateKey(),
                made.sshKey().publicKey(), digest, created(p.vm, p.domain), made.seed(), systemd));
        DesiredDomain.Change change = DesiredDomain.compare(p.domain, desired);
        if (change != DesiredDomain.Change.NONE) {
            domains.define(desired);
            if (change == DesiredDomain.Change.CREATE) p.event(VmEvent.Defined, "Domain " + desired.name() + " defined");
        }
        if (change == DesiredDomain.Change.UPDATE_RESTART_REQUIRED) {
            p.sb.set(Conditions.RESTART_REQUIRED, true, "SpecChanged", "The spec changed in a way that needs a reboot: pb stop "
                    + p.key.name() + " && pb start " + p.key.name());
            p.event(VmEvent.RestartRequired, "Spec changed; restart to apply");
        }
        boolean startedNow = !p.running();
        if (startedNow) start(p, desired, overSsh);
        if (st.getStartedAt() == null) st.setStartedAt(p.sb.timestamp());
        p.sb.set(Conditions.DOMAIN_READY, true, "Running", "Domain " + desired.name() + " is running");
        return new Booted(desired, startedNow, overSsh);
    }

    private void start(Pass p, DomainSpec desired, boolean overSsh) {
        BootcVmStatus st = p.status();
        p.progress.phase("Starting VM " + p.key.name());
        domains.resetSerialLog(layout.serialLog(p.key));
        domains.start(desired.name());
        st.setStartedAt(p.sb.timestamp());
        st.setAddress(null); // found again in this boot
        p.sb.remove(Conditions.RESTART_REQUIRED);
        GuestMounts.started(p.sb, overSsh);
        p.event(VmEvent.Started, "Domain " + desired.name() + " started");
        p.domain = domains.find(desired.name());
        p.domain.ifPresent(d -> st.setDomainUUID(d.uuid()));
        if (!p.running()) throw Failure.LibvirtError.with("Domain " + desired.name() + " did not start: see " + layout.serialLog(p.key));
    }

    /** SSH: none without a network; no login when it answered this boot already; else a probe, and the volumes pb mounts. */
    private Outcome sshStep(Pass p, Provisioned made, Booted booted) {
        p.step = Conditions.SSH_READY;
        StatusBuilder sb = p.sb;
        if (made.port() == null) {
            sb.set(Conditions.SSH_READY, false, "NoNetwork", "network: none, so no SSH");
            sb.set(Conditions.READY, true, "Running", "VM is running without a network");
            return specUpdate.ready(p, null, null);
        }
        boolean pending = GuestMounts.pending(sb, booted.overSsh());
        String seenUuid = p.vm.getStatus() == null ? null : p.vm.getStatus().getDomainUUID();
        if (!booted.startedNow() && sb.isTrue(Conditions.SSH_READY) && seenUuid != null && seenUuid.equals(p.status().getDomainUUID()) && !pending) {
            // SSH answered this boot already (libvirt shows the same domain running): a resync costs no login
            sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + p.key.name());
            return specUpdate.ready(p, made.port(), made.sshKey().privateKey());
        }
        if (booted.startedNow()) sb.set(Conditions.SSH_READY, false, "WaitingForSsh", "Waiting for SSH on " + where(p, made.port()));
        return awaitSsh(p, made.port(), made.sshKey(), pending ? booted.desired().sharedFolders() : List.of());
    }

    /** Waits for SSH; once it answers, mounts {@code sshMounts} (the volumes pb mounts itself in this boot, if any). */
    private Outcome awaitSsh(Pass p, int port, Ssh.SshKey sshKey, List<DomainSpec.SharedFolder> sshMounts) {
        StatusBuilder sb = p.sb;
        BootcVmStatus st = sb.status();
        String user = p.spec().getSsh().getUser();
        NetworkMode network = Defaults.network(p.spec());
        if (network.ownAddress() && st.getAddress() == null) {
            domains.guestAddress(layout.domainName(p.key), network).ifPresent(st::setAddress);
        }
        p.progress.phase("Waiting for SSH on " + where(p, port));
        Ssh.Probe probe = network.ownAddress() && st.getAddress() == null
                ? new Ssh.Probe(false, "the guest has no address on " + network + " network " + p.spec().getNetworkName() + " yet ("
                        + (network == NetworkMode.libvirt ? "no DHCP lease" : "not in the host's ARP table") + ")")
                : ssh.probe(st.sshHost(), port, user, sshKey.privateKey());
        if (probe.ready()) {
            if (!sb.isTrue(Conditions.SSH_READY)) p.event(VmEvent.SshReady, "SSH answers on " + where(p, port));
            st.setGuest(GuestView.read(ssh, new Ssh.Target(st.sshHost(), port, user, sshKey.privateKey(), layout.knownHosts(p.key)), clock).orElse(null));
            sb.set(Conditions.SSH_READY, true, "Handshake", "SSH answers on " + where(p, port));
            PbException unmounted = sshMounts.isEmpty() ? null : mounts.mount(p.key, st.sshHost(), port, sshKey.privateKey(), sshMounts, sb, p.progress);
            if (unmounted != null) {
                sb.set(Conditions.READY, false, unmounted.reason(), unmounted.getMessage());
                p.events.add(new Outcome.Event(VmEvent.Failed, unmounted.getMessage(), true));
                return Outcome.failed(sb.finish(false, true, false), unmounted, p.events);
            }
            sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + p.key.name());
            return specUpdate.ready(p, port, sshKey.privateKey());
        }
        Path serial = layout.serialLog(p.key);
        String console = domains.serialLogTail(serial, SerialLogFailures.TAIL_BYTES);
        SerialLogFailures.check(p.key.name(), p.spec().getFirmware(), serial, console);
        Duration waited = Duration.between(parse(st.getStartedAt(), clock.instant()), clock.instant());
        // startedAt has whole seconds (a Kubernetes timestamp), so waited may read up to 1 s more than it was
        if (waited.compareTo(timeouts.ssh().plusSeconds(1)) > 0) {
            throw Failure.SshTimeout.with("VM " + p.key.name() + " gave no SSH answer on " + where(p, port) + " within " + timeouts.ssh().toSeconds()
                    + " s (" + probe.reason() + "): " + ConsoleTail.describe(console, domains.serialLogWritten(serial), clock.instant(), serial));
        }
        sb.set(Conditions.SSH_READY, false, "WaitingForSsh", "Waiting for SSH on " + where(p, port) + ": " + probe.reason());
        sb.set(Conditions.READY, false, "Starting", "VM is booting");
        return Outcome.requeue(sb.finish(false, true, false), VmReconciler.POLL, p.events);
    }

    /** When the domain was first made: kept in its metadata, else the resource's creation, so the desired domain is stable. */
    private Instant created(BootcVm vm, Optional<Domain> domain) {
        Instant recorded = domain.flatMap(Domain::pbMetadata).map(PbMetadata::created).orElse(null);
        if (recorded != null) return recorded;
        return parse(vm.getMetadata().getCreationTimestamp(), clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    /** The port SSH answers on at a guest's own address (bridge, libvirt network). */
    static final int GUEST_SSH_PORT = 22;

    /** host:port where SSH goes, for messages: the guest's address when it has one of its own (or its network before). */
    private static String where(Pass p, int port) {
        BootcVmStatus st = p.status();
        if (!Defaults.network(p.spec()).ownAddress() || st.getAddress() != null) return st.sshHost() + ":" + port;
        return p.spec().getNetwork() + " network " + p.spec().getNetworkName() + ", port " + port;
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
