package dev.bootc.pb.service;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.store.VmStore;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** The desired-state side of every pb verb: what to write into the store. The CLI calls only this. */
public class VmService {
    private static final int CONFLICT_RETRIES = 20;
    protected final PbContext ctx;

    public VmService(PbContext ctx) {
        this.ctx = ctx;
    }

    public VmStore store() {
        return ctx.store();
    }

    public String namespace() {
        return ctx.namespace();
    }

    /** The VM of that name, or a not-found error that says how to list them. */
    public BootcVm require(String name) {
        return store().get(namespace(), name).orElseThrow(() -> new PbException.NotFound("VmNotFound",
                "VM " + name + " not found in namespace " + namespace() + " of the " + store().describe() + ": see pb list"));
    }

    public Optional<BootcVm> find(String name) {
        return store().get(namespace(), name);
    }

    public List<BootcVm> list() {
        return store().list(namespace());
    }

    /** The outcome of {@link #declareRun}: the resource and whether it was made now. */
    public record RunDecision(BootcVm vm, boolean created, BootcVm replaced) {
    }

    /**
     * Creates the VM's resource, or finds the existing one of that name: the same image is reused
     * (and asked to run), another image is a conflict unless replace, which deletes the old one first.
     */
    public RunDecision declareRun(String name, BootcVmSpec spec, boolean replace) {
        String vmName = name != null ? name : VmNames.fromImage(spec.getImage());
        Validation.nameProblem("name", vmName).ifPresent(p -> {
            throw new PbException.Invalid("InvalidName", "--name: invalid value \"" + vmName + "\": " + p.expected());
        });
        if (spec.getNodeName() == null) spec.setNodeName(localNodeName());
        BootcVm desired = new BootcVm(namespace(), vmName, spec);
        Validation.check(desired);
        Optional<BootcVm> existing = store().get(namespace(), vmName);
        BootcVm replaced = null;
        if (existing.isPresent()) {
            BootcVm old = existing.get();
            if (old.getMetadata().getDeletionTimestamp() == null && spec.getImage().equals(old.getSpec().getImage()) && !replace) {
                BootcVm running = old.getSpec().getRunStrategy() == RunStrategy.Halted
                        ? mutate(vmName, v -> { v.getSpec().setRunStrategy(RunStrategy.Always); return v; }) : old;
                return new RunDecision(running, false, null);
            }
            if (!replace) {
                throw new PbException.Conflict("NameTaken", "VM " + vmName + " already exists with image " + old.getSpec().getImage()
                        + ": use --replace to replace it, or --name to choose another name");
            }
            replaced = old;
        }
        return new RunDecision(desired, true, replaced);
    }

    /** Writes a new resource. */
    public BootcVm create(BootcVm vm) {
        return store().create(vm);
    }

    /** Sets spec.runStrategy; a no-op when it already has that value. */
    public BootcVm setRunStrategy(String name, RunStrategy strategy) {
        return mutate(name, v -> {
            if (v.getSpec().getRunStrategy() == strategy) return null;
            v.getSpec().setRunStrategy(strategy);
            return v;
        });
    }

    /**
     * Reads, changes and writes a resource, reading again when another writer got there first.
     * The change returns null when nothing needs writing.
     */
    public BootcVm mutate(String name, UnaryOperator<BootcVm> change) {
        for (int i = 0; ; i++) {
            BootcVm current = require(name);
            BootcVm next = change.apply(Json.copy(current, BootcVm.class));
            if (next == null) return current;
            try {
                return store().update(next);
            } catch (PbException.Conflict e) {
                if (i >= CONFLICT_RETRIES) throw e;
            }
        }
    }

    /** Marks the resource deleted (the engine cleans up and removes the finalizer). */
    public boolean delete(String name) {
        return store().delete(namespace(), name);
    }

    /** Outcome of applying one document. */
    public record Applied(BootcVm vm, String action) {
    }

    /**
     * Creates or updates every document. All documents are validated before the first write, so a bad
     * one leaves the store as it was.
     */
    public List<Applied> apply(List<BootcVm> docs) {
        for (BootcVm d : docs) {
            if (d.getMetadata().getNamespace() == null) d.getMetadata().setNamespace(namespace());
            Validation.check(d);
        }
        List<Applied> out = new ArrayList<>();
        for (BootcVm d : docs) {
            String ns = d.getMetadata().getNamespace();
            String name = d.getMetadata().getName();
            if (d.getSpec().getNodeName() == null) d.getSpec().setNodeName(localNodeName());
            for (int i = 0; ; i++) {
                Optional<BootcVm> existing = store().get(ns, name);
                try {
                    if (existing.isEmpty()) {
                        BootcVm c = Json.copy(d, BootcVm.class);
                        c.setStatus(null);
                        out.add(new Applied(store().create(c), "created"));
                    } else {
                        BootcVm next = Json.copy(existing.get(), BootcVm.class);
                        next.setSpec(d.getSpec());
                        if (d.getMetadata().getLabels() != null) next.getMetadata().setLabels(d.getMetadata().getLabels());
                        if (d.getMetadata().getAnnotations() != null) next.getMetadata().setAnnotations(d.getMetadata().getAnnotations());
                        BootcVm after = store().update(next);
                        boolean changed = !after.getMetadata().getResourceVersion().equals(existing.get().getMetadata().getResourceVersion());
                        out.add(new Applied(after, changed ? "configured" : "unchanged"));
                    }
                    break;
                } catch (PbException.Conflict e) {
                    if (i >= CONFLICT_RETRIES) throw e;
                }
            }
        }
        return out;
    }

    /**
     * pb run: declares the VM, then (with the engine) brings it up and connects. Returns the exit code.
     */
    public int run(RunOptions o, java.io.PrintWriter out, java.io.PrintWriter err, java.util.function.Consumer<String> progress) {
        RunDecision d = declareRun(o.name(), o.spec(), o.replace());
        if (d.replaced() != null) {
            remove(d.replaced().getMetadata().getName(), true, progress);
        }
        BootcVm vm = d.created() ? create(d.vm()) : d.vm();
        out.println(vm.getMetadata().getName());
        return 0;
    }

    /** pb ssh: connects to a VM; returns the remote status, or 255 when SSH fails. */
    public int ssh(String name, String user, List<String> command) {
        BootcVm vm = require(name);
        throw new PbException.Failed("NoEngine", "VM " + vm.getMetadata().getName() + " cannot be reached: no VM engine in this build");
    }

    /** Rows of pb cache list. */
    public List<List<String>> cacheRows() {
        return List.of();
    }

    /** Removes unused base disks; returns what was removed. */
    public List<String> cachePrune() {
        return List.of();
    }

    /** pb apply --wait: reconcile until settled. */
    public void awaitSettled(List<BootcVm> docs, java.util.function.Consumer<String> progress) {
    }

    /** Names of every VM in the namespace. */
    public List<String> allNames() {
        return list().stream().map(v -> v.getMetadata().getName()).toList();
    }

    /** Asks the VM to stop (runStrategy Halted). */
    public BootcVm stop(String name, java.util.function.Consumer<String> progress) {
        return setRunStrategy(name, RunStrategy.Halted);
    }

    /** Asks the VM to run (runStrategy Always). */
    public BootcVm start(String name, java.util.function.Consumer<String> progress) {
        return setRunStrategy(name, RunStrategy.Always);
    }

    /** Removes a VM; a running one only with force. */
    public void remove(String name, boolean force, java.util.function.Consumer<String> progress) {
        BootcVm vm = require(name);
        if (!force && isRunning(vm)) {
            throw new PbException.Conflict("VmRunning", "VM " + name + " is running: stop it first, or use pb rm -f");
        }
        delete(name);
    }

    /** Whether the VM runs now. */
    public boolean isRunning(BootcVm vm) {
        return vm.getStatus() != null && vm.getStatus().getPhase() == dev.bootc.pb.api.Phase.Running;
    }

    /** The rows of pb list. */
    public List<VmRow> rows() {
        List<VmRow> rows = new ArrayList<>();
        for (BootcVm vm : list()) {
            BootcVm eff = dev.bootc.pb.api.Defaults.apply(Json.copy(vm, BootcVm.class));
            var st = vm.getStatus();
            rows.add(new VmRow(vm.getMetadata().getName(), vm.getMetadata().getNamespace(), vm.getSpec().getImage(),
                    eff.getSpec().getDisk().getSize(), vm.getMetadata().getCreationTimestamp(), isRunning(vm),
                    st == null || st.getPhase() == null ? "unknown" : st.getPhase().name(),
                    st == null ? null : st.getSshPort(), st == null || st.getPhase() == null ? null : st.getPhase().name(),
                    st == null ? "False" : (st.isTrue(dev.bootc.pb.api.Conditions.READY) ? "True" : "False"), false));
        }
        return rows;
    }

    /** The resource with what libvirt shows now, for pb inspect. */
    public Object inspect(String name) {
        BootcVm vm = require(name);
        java.util.Map<String, Object> view = new java.util.LinkedHashMap<>();
        view.put("resource", vm);
        return view;
    }

    /** This host's node name: --node-name, else NODE_NAME, else the host name. */
    public static String localNodeName() {
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) return env;
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h == null || h.isBlank() ? "localhost" : h.toLowerCase();
        } catch (Exception e) {
            String h = System.getenv("HOSTNAME");
            return h == null ? "localhost" : h.toLowerCase();
        }
    }
}
