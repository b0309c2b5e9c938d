package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.PbMetadata;
import dev.bootc.pb.port.Ssh;
import dev.bootc.pb.reconcile.Ownership;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.store.EventLog;
import dev.bootc.pb.store.VmStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.Optional;

/** What {@code pb list}, {@code pb inspect} and {@code pb get} show: vms joined with what libvirt shows now. */
public final class Views {
    private final Vms vms;
    private final Domains domains;
    private final Disks disks;
    private final Ssh ssh;
    private final VmLayout layout;
    private final EventLog events;

    public Views(Vms vms, Domains domains, Disks disks, Ssh ssh, VmLayout layout, EventLog events) {
        this.vms = vms;
        this.domains = domains;
        this.disks = disks;
        this.ssh = ssh;
        this.layout = layout;
        this.events = events;
    }

    /** The rows of {@code pb list}, and the warning when libvirt could not be asked. */
    public record Listing(List<VmRow> rows, String warning) {
    }

    /** Each resource with what libvirt shows now, then vms that cannot be read, then orphaned domains. */
    public Listing list() {
        return list(LabelSelector.all());
    }

    /** As {@link #list()}, only the rows whose labels {@code selector} matches (an orphan or unreadable row has none). */
    public Listing list(LabelSelector selector) {
        Listing all = listAll();
        return new Listing(all.rows().stream().filter(r -> selector.test(r.labels())).toList(), all.warning());
    }

    private Listing listAll() {
        String ns = vms.namespace();
        // libvirt and the store are asked at once: each is a good part of the command's time.
        FutureTask<List<Domain>> owned = new FutureTask<>(domains::listOwned);
        Thread libvirt = new Thread(owned, "pb-list-libvirt");
        libvirt.setDaemon(true);
        libvirt.start();
        List<BootcVm> stored = vms.store().list(ns);
        Map<String, Domain> byName = new LinkedHashMap<>();
        String warning = null;
        try {
            for (Domain d : await(owned)) byName.put(d.name(), d);
        } catch (PbException e) {
            warning = "libvirt at " + domains.facts().uri() + " cannot be reached (" + e.getMessage() + "): RUNNING shows false";
        }
        boolean libvirtOk = warning == null;
        List<VmRow> rows = new ArrayList<>();
        for (BootcVm vm : stored) {
            Domain d = byName.get(layout.domainName(VmKey.of(vm)));
            // another uid's domain of this name is not this VM's: it shows as what it is, an orphan
            if (d != null && Ownership.foreign(vm, Optional.of(d), layout).isPresent()) d = null;
            if (d != null) byName.remove(d.name());
            BootcVmStatus st = vm.getStatus();
            Integer port = d != null ? d.pbMetadata().map(PbMetadata::sshPort).orElse(null) : null;
            rows.add(new VmRow(vm.getMetadata().getName(), vm.getMetadata().getNamespace(), vm.getSpec().getImage(),
                    Defaults.diskSize(vm.getSpec()), vm.getMetadata().getCreationTimestamp(), d != null && d.running(),
                    d == null ? (libvirtOk ? "undefined" : "unknown") : d.state().name().toLowerCase(),
                    port, d != null && d.running() && st != null ? st.getAddress() : null, st == null || st.getPhase() == null ? null : st.getPhase().name(),
                    st != null && st.isTrue(Conditions.READY) ? "True" : "False", false, null, vm.getMetadata().getLabels(),
                    st == null ? null : st.getGuest()));
        }
        for (VmStore.Unreadable u : vms.store().unreadable(ns)) {
            // named by its path, which may be no resource name at all (Not_A_Name.yaml): then no domain can be its
            Domain d = Validation.nameProblem("name", u.name()).isEmpty() && Validation.nameProblem("namespace", u.namespace()).isEmpty()
                    ? byName.remove(layout.domainName(new VmKey(u.namespace(), u.name()))) : null;
            rows.add(new VmRow(u.name(), u.namespace(), "-", "-", null, d != null && d.running(), d == null ? "undefined" : d.state().name().toLowerCase(),
                    d == null ? null : d.pbMetadata().map(PbMetadata::sshPort).orElse(null), null, "Invalid", "False", false, u.problem(), null, null));
        }
        for (Domain d : byName.values()) {
            PbMetadata m = d.pbMetadata().orElse(null);
            // the other store's domains are not this store's orphans
            if (m == null || !ns.equals(m.ownerNamespace()) || !Ownership.isThisStores(d, layout)) continue;
            rows.add(new VmRow(m.ownerName(), m.ownerNamespace(), m.image(), "-", m.created() == null ? null : m.created().toString(),
                    d.running(), d.state().name().toLowerCase(), m.sshPort(), null, null, "False", true, null, null, null));
        }
        return new Listing(rows, warning);
    }

    /** The stored resource, as {@code pb get} prints it. */
    public BootcVm get(String name) {
        return vms.require(name);
    }

    private static <T> T await(FutureTask<T> task) {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking libvirt", e);
        }
    }

    /** The resource with what libvirt and the disks show now, and its latest events, for {@code pb inspect}. */
    public Map<String, Object> inspect(String name) {
        BootcVm vm = vms.require(name);
        VmKey key = VmKey.of(vm);
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", name);
        view.put("namespace", key.namespace());
        Map<String, Object> runtime = new LinkedHashMap<>();
        runtime.put("libvirtUri", domains.facts().uri());
        runtime.put("accel", domains.facts().accel().name().toLowerCase());
        runtime.put("domain", layout.domainName(key));
        try {
            Optional<Domain> d = domains.find(layout.domainName(key));
            runtime.put("defined", d.isPresent());
            runtime.put("running", d.map(Domain::running).orElse(false));
            runtime.put("state", d.map(x -> x.state().name().toLowerCase()).orElse("undefined"));
            d.ifPresent(x -> runtime.put("uuid", x.uuid()));
            dev.bootc.pb.api.NetworkMode network = Defaults.network(vm.getSpec());
            runtime.put("network", network.ownAddress() ? network + "=" + vm.getSpec().getNetworkName() : network.name());
            if (network.ownAddress() && d.map(Domain::running).orElse(false)) {
                runtime.put("address", domains.guestAddress(layout.domainName(key), network).orElse(null));
            }
            d.flatMap(Domain::pbMetadata).ifPresent(m -> {
                runtime.put("sshPort", m.sshPort());
                runtime.put("sshUser", m.sshUser());
                runtime.put("imageDigest", m.digest());
            });
        } catch (PbException e) {
            runtime.put("error", e.getMessage());
        }
        // the spec's format, else the one the disk was made in (a changed format is refused, the disk kept)
        Path disk = java.util.stream.Stream.concat(java.util.stream.Stream.of(Defaults.diskFormat(vm.getSpec())),
                java.util.Arrays.stream(DiskFormat.values())).map(f -> layout.disk(key, f)).filter(disks::exists).findFirst().orElse(null);
        runtime.put("disk", disk == null ? null : disk.toString());
        runtime.put("sshKey", ssh.existingKey(layout.vmDir(key)).map(k -> k.privateKey().toString()).orElse(null));
        runtime.put("serialLog", layout.serialLog(key).toString());
        if (vm.getSpec().getCloudInit() != null) {
            runtime.put("cloudInitSeed", disks.exists(layout.cloudInitSeed(key)) ? layout.cloudInitSeed(key).toString() : null);
        }
        view.put("runtime", runtime);
        view.put("spec", vm.getSpec());
        view.put("status", vm.getStatus());
        view.put("metadata", vm.getMetadata());
        view.put("events", events.recent(key, 20));
        return view;
    }

    /** Names of every VM of the namespace, orphans and unreadable ones included. */
    public List<String> allNames() {
        return list().rows().stream().map(VmRow::name).distinct().toList();
    }
}
