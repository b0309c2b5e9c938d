package dev.bootc.pb.boot;

import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.NodePolicy;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.disk.BaseDiskBuilder;
import dev.bootc.pb.port.Accel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Everything pb reads from its environment, read once and checked: a malformed value is an error
 * naming the variable, never silently ignored. Command-line options override the environment
 * ({@link Options}); nothing else in pb reads an environment variable.
 *
 * @param store       file or kube (PB_STORE)
 * @param storeDir    the file store's folder (PB_STORE_DIR, else DATA/store)
 * @param namespace   the namespace verbs work in
 * @param kubeContext the kubeconfig context, or null for the current one
 * @param libvirtUri  PB_LIBVIRT_URI, else qemu:///system as root and qemu:///session otherwise
 * @param dataRoot    PB_DATA_DIR, else /var/lib/pb as root and $XDG_DATA_HOME/pb otherwise
 * @param imagesRoot  PB_IMAGES_DIR, else /var/lib/libvirt/images/pb for qemu:///system and DATA/images otherwise
 * @param root        whether pb runs as root
 * @param node        NODE_NAME, else this host's name
 * @param accel       PB_ACCEL (kvm or tcg), else detected
 * @param sshTimeout  PB_SSH_TIMEOUT seconds: how long a guest may take to answer SSH (300)
 * @param shutdownTimeout PB_SHUTDOWN_TIMEOUT seconds: how long a guest may take to power off (60)
 * @param runTimeout  PB_RUN_TIMEOUT seconds: how long pb run and pb start wait for a VM (1200)
 * @param kubeconfig  KUBECONFIG, a kubeconfig file for --store kube (else the Kubernetes client's own search)
 * @param diskBuilder PB_DISK_BUILDER: how base disks are built, container (privileged, root only) or vm (an
 *                    installer VM, no root needed); container as root, vm otherwise
 * @param leaderElection PB_LEADER_ELECTION: one active Kubernetes operator per node through a Lease (true);
 *                    false only for an API server that serves no Leases
 * @param policy      what a BootcVm may have of this host: everything it names on the file store (the host's own
 *                    user), on the Kubernetes store only what the admin listed in PB_TRUSTED_IMAGES,
 *                    PB_ALLOWED_HOST_PATHS and PB_ALLOWED_HOST_ADDRESSES (comma-separated; none by default)
 */
public record Config(StoreKind store, Path storeDir, String namespace, String kubeContext, String libvirtUri, Path dataRoot,
                     Path imagesRoot, boolean root, String node, Optional<Accel> accel, Duration sshTimeout, Duration shutdownTimeout,
                     Duration runTimeout, boolean quiet, boolean verbose, Optional<Path> kubeconfig, boolean leaderElection,
                     BaseDiskBuilder.Method diskBuilder, NodePolicy policy) {

    /** What the command line may say instead of the environment; null means "not given". */
    public record Options(StoreKind store, Path storeDir, String namespace, String kubeContext, String libvirtUri, boolean quiet,
                          boolean verbose) {
        public static Options none() {
            return new Options(null, null, null, null, null, false, false);
        }
    }

    /** What the terminal's environment says of how to show progress: TERM, NO_COLOR, COLUMNS (null when unset). */
    public record Display(String term, String noColor, String columns) {
        /** This process's environment. */
        public static Display load() {
            return of(System.getenv());
        }

        public static Display of(Map<String, String> env) {
            return new Display(env.get("TERM"), env.get("NO_COLOR"), env.get("COLUMNS"));
        }
    }

    /** This process: its environment, its user. */
    public static Config load(Options options) {
        return load(System.getenv(), System.getProperty("user.name"), Path.of(System.getProperty("user.home")), options);
    }

    public static Config load(Map<String, String> env, String user, Path home, Options o) {
        boolean root = "root".equals(user);
        StoreKind store = o.store() != null ? o.store() : storeKind(env);
        String uri = o.libvirtUri() != null ? o.libvirtUri() : value(env, "PB_LIBVIRT_URI").orElse(root ? "qemu:///system" : "qemu:///session");
        Path data = path(env, "PB_DATA_DIR").orElseGet(() -> root ? Path.of("/var/lib/pb")
                : path(env, "XDG_DATA_HOME").orElse(home.resolve(".local").resolve("share")).resolve("pb"));
        Path images = path(env, "PB_IMAGES_DIR").orElseGet(() -> uri.startsWith("qemu:///system")
                ? Path.of("/var/lib/libvirt/images/pb") : data.resolve("images"));
        Path storeDir = o.storeDir() != null ? o.storeDir() : path(env, "PB_STORE_DIR").orElse(data.resolve("store"));
        Optional<Accel> accel = value(env, "PB_ACCEL").map(v -> {
            try {
                return Accel.parse(v);
            } catch (RuntimeException e) {
                throw Failure.InvalidConfig.with("PB_ACCEL: invalid value \"" + v + "\": use kvm or tcg");
            }
        });
        String node = value(env, "NODE_NAME").orElseGet(Config::hostName);
        if (o.namespace() != null) {
            // a namespace names a folder of the file store: only a DNS label, never ../x
            Validation.requireName("--namespace", o.namespace());
        }
        return new Config(store, storeDir, o.namespace() != null ? o.namespace() : Defaults.NAMESPACE, o.kubeContext(), uri, data, images,
                root, node, accel, seconds(env, "PB_SSH_TIMEOUT", Duration.ofMinutes(5)), seconds(env, "PB_SHUTDOWN_TIMEOUT", Duration.ofSeconds(60)),
                seconds(env, "PB_RUN_TIMEOUT", Duration.ofMinutes(20)), o.quiet(), o.verbose(),
                value(env, "KUBECONFIG").map(v -> Path.of(v.split(":")[0])), bool(env, "PB_LEADER_ELECTION", true),
                diskBuilder(env, root), policy(env, store));
    }

    /** The same configuration with the admin's lists of the operator's command line added to the environment's. */
    public Config withPolicy(List<String> trustedImages, List<Path> allowedHostPaths, List<String> allowedAddresses) {
        if (!policy.tenants()) return this;
        NodePolicy p = NodePolicy.tenants(concat(policy.trustedImages(), trustedImages), concat(policy.allowedHostPaths(), allowedHostPaths),
                concat(policy.allowedAddresses(), allowedAddresses), policy.allowedNetworks());
        return new Config(store, storeDir, namespace, kubeContext, libvirtUri, dataRoot, imagesRoot, root, node, accel, sshTimeout,
                shutdownTimeout, runTimeout, quiet, verbose, kubeconfig, leaderElection, diskBuilder, p);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        b.stream().filter(x -> !out.contains(x)).forEach(out::add);
        return out;
    }

    private static NodePolicy policy(Map<String, String> env, StoreKind store) {
        if (store != StoreKind.kube) return NodePolicy.owner();
        List<String> images = list(env, "PB_TRUSTED_IMAGES");
        for (String i : images) NodePolicy.requireImagePrefix("PB_TRUSTED_IMAGES", i);
        List<Path> paths = new ArrayList<>();
        for (String p : list(env, "PB_ALLOWED_HOST_PATHS")) paths.add(real(NodePolicy.requireFolder("PB_ALLOWED_HOST_PATHS", p)));
        List<String> addresses = list(env, "PB_ALLOWED_HOST_ADDRESSES");
        for (String a : addresses) NodePolicy.requireAddress("PB_ALLOWED_HOST_ADDRESSES", a);
        List<String> networks = list(env, "PB_ALLOWED_NETWORKS");
        for (String n : networks) NodePolicy.requireNetwork("PB_ALLOWED_NETWORKS", n);
        return NodePolicy.tenants(images, paths, addresses, networks);
    }

    /** An admin's folder as where it really is (tenants' paths are compared after their links are resolved too). */
    public static Path real(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder;
        }
    }

    private static List<String> list(Map<String, String> env, String name) {
        return value(env, name).map(v -> java.util.Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
    }

    private static BaseDiskBuilder.Method diskBuilder(Map<String, String> env, boolean root) {
        Optional<String> v = value(env, "PB_DISK_BUILDER");
        if (v.isEmpty()) return root ? BaseDiskBuilder.Method.container : BaseDiskBuilder.Method.vm;
        try {
            BaseDiskBuilder.Method m = BaseDiskBuilder.Method.valueOf(v.get().toLowerCase(Locale.ROOT));
            if (m == BaseDiskBuilder.Method.container && !root) {
                throw Failure.InvalidConfig.with("PB_DISK_BUILDER: container needs root (a privileged container): use vm, or unset it");
            }
            return m;
        } catch (IllegalArgumentException e) {
            throw Failure.InvalidConfig.with("PB_DISK_BUILDER: invalid value \"" + v.get() + "\": use container or vm");
        }
    }

    private static StoreKind storeKind(Map<String, String> env) {
        Optional<String> v = value(env, "PB_STORE");
        if (v.isEmpty()) return StoreKind.file;
        try {
            return StoreKind.valueOf(v.get().trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Failure.InvalidConfig.with("PB_STORE: invalid value \"" + v.get() + "\": use file or kube");
        }
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static Optional<Path> path(Map<String, String> env, String name) {
        return value(env, name).map(v -> {
            try {
                Path p = Path.of(v);
                if (!p.isAbsolute()) throw Failure.InvalidConfig.with(name + ": invalid value \"" + v + "\": give an absolute path");
                return p;
            } catch (InvalidPathException e) {
                throw Failure.InvalidConfig.with(name + ": invalid value \"" + v + "\": not a path");
            }
        });
    }

    private static boolean bool(Map<String, String> env, String name, boolean fallback) {
        Optional<String> v = value(env, name);
        if (v.isEmpty()) return fallback;
        return switch (v.get().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw Failure.InvalidConfig.with(name + ": invalid value \"" + v.get() + "\": use true or false");
        };
    }

    private static Duration seconds(Map<String, String> env, String name, Duration fallback) {
        Optional<String> v = value(env, name);
        if (v.isEmpty()) return fallback;
        try {
            long s = Long.parseLong(v.get());
            if (s <= 0) throw new NumberFormatException();
            return Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            throw Failure.InvalidConfig.with(name + ": invalid value \"" + v.get() + "\": give a whole number of seconds, like 300");
        }
    }

    /** This host's name, as the kernel has it (no DNS lookup). */
    static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) return h.toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            // not Linux: ask Java
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "localhost";
        }
    }
}
