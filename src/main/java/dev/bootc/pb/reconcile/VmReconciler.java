package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.RunStrategy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The store-agnostic reconcile of DESIGN.md: given a BootcVm and what the world shows now, do the
 * next needed actions and compute the status. Level-triggered and idempotent: every pass starts from
 * what libvirt, the disk cache and SSH show, never from what an earlier pass believed.
 */
public final class VmReconciler {
    /** How often to look again while the VM boots. */
    public static final Duration POLL = Duration.ofMillis(500);

    private final World world;
    private final Duration sshTimeout;
    private final Duration shutdownTimeout;

    public VmReconciler(World world, Duration sshTimeout, Duration shutdownTimeout) {
        this.world = world;
        this.sshTimeout = sshTimeout;
        this.shutdownTimeout = shutdownTimeout;
    }

    public World world() {
        return world;
    }

    public Outcome reconcile(BootcVm vm, String pullPolicy, Consumer<String> progress) {
        long generation = vm.getMetadata().getGeneration() == null ? 1 : vm.getMetadata().getGeneration();
        StatusBuilder sb = new StatusBuilder(vm.getStatus(), generation);
        List<Outcome.Event> events = new ArrayList<>();
        BootcVmStatus st = sb.status();

        if (vm.getMetadata().getDeletionTimestamp() != null) {
            progress.accept("Removing VM " + vm.getMetadata().getName());
            world.cleanup(vm);
            events.add(new Outcome.Event(VmEvent.Deleted, "Removed domain, disk and keys", false));
            return new Outcome(sb.finish(false, false, true), null, true, null, events);
        }

        BootcVm eff = Defaults.apply(Json.copy(vm, BootcVm.class));
        BootcVmSpec spec = eff.getSpec();
        st.setNodeName(spec.getNodeName());
        st.setDomainName(world.domainName(vm));
        st.setSshUser(spec.getSsh().getUser());
        Optional<World.Domain> domain = world.domain(vm);
        domain.ifPresent(d -> st.setDomainUUID(d.uuid()));

        if (spec.getRunStrategy() == RunStrategy.Halted) {
            return halted(vm, sb, domain, events, progress);
        }

        String step = Conditions.DISK_READY;
        try {
            World.Image image = null;
            World.BaseDisk base = null;
            if (!world.overlayExists(vm)) {
                sb.set(Conditions.DISK_READY, false, "Pulling", "Resolving image " + spec.getImage());
                progress.accept("Pulling image " + spec.getImage());
                image = world.resolveImage(spec.getImage(), pullPolicy, progress);
                st.setImageDigest(image.digest());
                world.checkGuestPaths(image, spec.volumesOrEmpty());
                events.add(new Outcome.Event(VmEvent.Pulled, "Image " + spec.getImage() + " is " + image.digest(), false));
                sb.set(Conditions.DISK_READY, false, "BuildingDisk", "Building the base disk of " + spec.getImage());
                progress.accept("Building disk");
                base = world.ensureBaseDisk(vm, image, progress);
                st.setBaseDisk(base.path().toString());
                st.setFilesystem(base.filesystem());
                events.add(new Outcome.Event(VmEvent.DiskBuilt, "Base disk " + base.key() + " at " + base.path(), false));
            }
            World.VmFiles files = world.ensureVmFiles(vm, base);
            st.setDiskPath(files.overlay().toString());
            st.setSshKeyPath(files.privateKey().toString());
            sb.set(Conditions.DISK_READY, true, "DiskReady", "Disk " + files.overlay());

            step = Conditions.DOMAIN_READY;
            int port = world.sshPort(vm, domain.map(World.Domain::sshPort).orElse(st.getSshPort()));
            st.setSshPort(port);
            World.DefineOutcome defined = world.defineDomain(vm, files, port, image);
            if (defined == World.DefineOutcome.CREATED) {
                events.add(new Outcome.Event(VmEvent.Defined, "Domain " + st.getDomainName() + " defined", false));
            }
            domain = world.domain(vm);
            boolean running = domain.map(World.Domain::running).orElse(false);
            if (defined == World.DefineOutcome.UPDATED_RESTART_REQUIRED && running) {
                sb.set(Conditions.RESTART_REQUIRED, true, "SpecChanged",
                        "The spec changed in a way that needs a reboot: pb stop " + vm.getMetadata().getName() + " && pb start " + vm.getMetadata().getName());
                events.add(new Outcome.Event(VmEvent.RestartRequired, "Spec changed; restart to apply", false));
            }
            if (!running) {
                progress.accept("Starting VM " + vm.getMetadata().getName());
                world.start(vm);
                st.setStartedAt(StatusBuilder.now());
                sb.remove(Conditions.RESTART_REQUIRED);
                events.add(new Outcome.Event(VmEvent.Started, "Domain " + st.getDomainName() + " started", false));
                domain = world.domain(vm);
                domain.ifPresent(d -> st.setDomainUUID(d.uuid()));
                running = domain.map(World.Domain::running).orElse(false);
            }
            if (!running) {
                throw new PbException.Failed("LibvirtError", "Domain " + st.getDomainName() + " did not start: see its serial log");
            }
            if (st.getStartedAt() == null) st.setStartedAt(StatusBuilder.now());
            sb.set(Conditions.DOMAIN_READY, true, "Running", "Domain " + st.getDomainName() + " is running");

            step = Conditions.SSH_READY;
            if (spec.getNetwork() == NetworkMode.none) {
                sb.set(Conditions.SSH_READY, false, "NoNetwork", "network: none, so no SSH");
                sb.set(Conditions.READY, true, "Running", "VM is running without a network");
                return new Outcome(sb.finish(false, true, false), null, false, null, events);
            }
            progress.accept("Waiting for SSH on 127.0.0.1:" + port);
            World.Probe probe = world.probeSsh(vm, port, files);
            if (probe.ready()) {
                if (!sb.isTrue(Conditions.SSH_READY)) {
                    events.add(new Outcome.Event(VmEvent.SshReady, "SSH answers on 127.0.0.1:" + port, false));
                }
                sb.set(Conditions.SSH_READY, true, "Handshake", "SSH answers on 127.0.0.1:" + port);
                sb.set(Conditions.READY, true, "Running", "VM is running: pb ssh " + vm.getMetadata().getName());
                return new Outcome(sb.finish(false, true, false), null, false, null, events);
            }
            Duration waited = Duration.between(Instant.parse(st.getStartedAt()), Instant.now());
            if (waited.compareTo(sshTimeout) > 0) {
                throw new PbException.Failed("SshTimeout", "VM " + vm.getMetadata().getName() + " gave no SSH answer on 127.0.0.1:" + port
                        + " within " + sshTimeout.toSeconds() + " s (" + probe.reason() + "): see " + files.vmDir().resolve("serial.log"));
            }
            sb.set(Conditions.SSH_READY, false, "WaitingForSsh", "Waiting for SSH on 127.0.0.1:" + port + ": " + probe.reason());
            sb.set(Conditions.READY, false, "Starting", "VM is booting");
            return new Outcome(sb.finish(false, true, false), POLL, false, null, events);
        } catch (PbException e) {
            sb.set(step, false, e.reason(), e.getMessage());
            sb.set(Conditions.READY, false, e.reason(), e.getMessage());
            events.add(new Outcome.Event(VmEvent.Failed, e.getMessage(), true));
            boolean running = world.domain(vm).map(World.Domain::running).orElse(false);
            Duration retry = StatusBuilder.isTerminal(e.reason()) ? Duration.ofSeconds(30) : Duration.ofSeconds(2);
            return new Outcome(sb.finish(false, running, false), retry, false, e, events);
        }
    }

    private Outcome halted(BootcVm vm, StatusBuilder sb, Optional<World.Domain> domain, List<Outcome.Event> events, Consumer<String> progress) {
        BootcVmStatus st = sb.status();
        try {
            if (domain.isPresent() && domain.get().running()) {
                progress.accept("Stopping VM " + vm.getMetadata().getName());
                world.shutdown(vm, shutdownTimeout);
                events.add(new Outcome.Event(VmEvent.Stopped, "Domain " + st.getDomainName() + " shut down", false));
                domain = world.domain(vm);
            }
        } catch (PbException e) {
            sb.set(Conditions.DOMAIN_READY, false, e.reason(), e.getMessage());
            sb.set(Conditions.READY, false, e.reason(), e.getMessage());
            return new Outcome(sb.finish(true, true, false), Duration.ofSeconds(2), false, e, events);
        }
        boolean running = domain.map(World.Domain::running).orElse(false);
        if (!sb.status().condition(Conditions.DISK_READY).isPresent()) {
            sb.set(Conditions.DISK_READY, false, "Halted", "Nothing is provisioned while runStrategy is Halted");
        }
        sb.set(Conditions.DOMAIN_READY, domain.isPresent(), domain.isPresent() ? "ShutOff" : "Halted",
                domain.isPresent() ? "Domain " + st.getDomainName() + " is shut off" : "No domain while runStrategy is Halted");
        sb.set(Conditions.SSH_READY, false, "Halted", "VM is stopped");
        sb.set(Conditions.READY, false, "Halted", "runStrategy is Halted: pb start " + vm.getMetadata().getName());
        sb.remove(Conditions.RESTART_REQUIRED);
        st.setStartedAt(null);
        return new Outcome(sb.finish(true, running, false), running ? POLL : null, false, null, events);
    }
}
