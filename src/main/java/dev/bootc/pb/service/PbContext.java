package dev.bootc.pb.service;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.config.PbPaths;
import dev.bootc.pb.store.StoreKind;
import dev.bootc.pb.store.VmStore;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.store.kube.KubeVmStore;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Path;

/**
 * What one pb invocation works with, built from the global options: the store, the namespace, the
 * libvirt URI and the host paths. Things are opened lazily and closed together.
 */
public final class PbContext implements AutoCloseable {
    private final StoreKind storeKind;
    private final Path storeDir;
    private final String namespace;
    private final String kubeContext;
    private final String libvirtUri;
    private final boolean quiet;
    private final boolean verbose;
    private VmStore store;
    private Engine engine;

    public PbContext(StoreKind storeKind, Path storeDir, String namespace, String kubeContext, String libvirtUri,
                     boolean quiet, boolean verbose) {
        this.storeKind = storeKind == null ? StoreKind.file : storeKind;
        this.storeDir = storeDir == null ? PbPaths.defaultStoreDir() : storeDir;
        this.namespace = namespace == null ? dev.bootc.pb.api.Defaults.NAMESPACE : namespace;
        this.kubeContext = kubeContext;
        this.libvirtUri = libvirtUri == null ? defaultLibvirtUri() : libvirtUri;
        this.quiet = quiet;
        this.verbose = verbose;
    }

    public static String defaultLibvirtUri() {
        String env = System.getenv("PB_LIBVIRT_URI");
        if (env != null && !env.isBlank()) return env;
        return PbPaths.isRoot() ? "qemu:///system" : "qemu:///session";
    }

    public StoreKind storeKind() {
        return storeKind;
    }

    public Path storeDir() {
        return storeDir;
    }

    public String namespace() {
        return namespace;
    }

    public String libvirtUri() {
        return libvirtUri;
    }

    public boolean quiet() {
        return quiet;
    }

    public boolean verbose() {
        return verbose;
    }

    public PbPaths paths() {
        return PbPaths.forUri(libvirtUri);
    }

    public synchronized VmStore store() {
        if (store == null) {
            store = switch (storeKind) {
                case file -> new FileVmStore(storeDir);
                case kube -> {
                    try {
                        Config config = kubeContext == null ? Config.autoConfigure(null) : Config.autoConfigure(kubeContext);
                        yield new KubeVmStore(new KubernetesClientBuilder().withConfig(config).build(), true);
                    } catch (RuntimeException e) {
                        throw new PbException.Failed("KubernetesError", "Cannot configure a Kubernetes client"
                                + (kubeContext == null ? "" : " for context " + kubeContext) + ": " + e.getMessage()
                                + ": check your kubeconfig or use --store file");
                    }
                }
            };
        }
        return store;
    }

    /** The VM engine (libvirt, disks, SSH), opened on first use. */
    public synchronized Engine engine() {
        if (engine == null) engine = new Engine(this);
        return engine;
    }

    /** Replaces the store (tests, and the operator which owns its own client). */
    public synchronized void useStore(VmStore store) {
        this.store = store;
    }

    @Override
    public synchronized void close() {
        if (engine != null) engine.close();
        engine = null;
        if (store != null) store.close();
        store = null;
    }
}
