package dev.bootc.pb.service;

import dev.bootc.pb.disk.ProcessRunner;
import dev.bootc.pb.libvirt.LibvirtHypervisor;
import dev.bootc.pb.operator.InProcessDriver;
import dev.bootc.pb.reconcile.LiveWorld;
import dev.bootc.pb.reconcile.VmReconciler;

import java.time.Duration;

/** The VM engine of one pb process: the real world, the reconcile core and its in-process driver. */
public final class Engine implements AutoCloseable {
    private final LiveWorld world;
    private final VmReconciler reconciler;
    private final InProcessDriver driver;

    public Engine(PbContext ctx) {
        this.world = new LiveWorld(ctx.paths(), () -> LibvirtHypervisor.connect(ctx.libvirtUri()), ProcessRunner.local());
        this.reconciler = new VmReconciler(world, durationEnv("PB_SSH_TIMEOUT", Duration.ofMinutes(5)),
                durationEnv("PB_SHUTDOWN_TIMEOUT", Duration.ofSeconds(60)));
        this.driver = new InProcessDriver(ctx.store(), reconciler, ctx.paths().dataRoot().resolve("locks"));
    }

    public LiveWorld world() {
        return world;
    }

    public VmReconciler reconciler() {
        return reconciler;
    }

    public InProcessDriver driver() {
        return driver;
    }

    /** A duration from the environment in seconds, like PB_SSH_TIMEOUT=300. */
    static Duration durationEnv(String name, Duration fallback) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) return fallback;
        try {
            return Duration.ofSeconds(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void close() {
        try {
            world.hypervisorIfOpen().ifPresent(h -> h.close());
        } catch (RuntimeException e) {
            // closing anyway
        }
    }
}
