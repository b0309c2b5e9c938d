package dev.bootc.pb.config;

import java.nio.file.Path;

/**
 * Where pb keeps its files on this host. Root: state under /var/lib/pb; otherwise under
 * $XDG_DATA_HOME/pb (~/.local/share/pb). Disks for qemu:///system live under
 * /var/lib/libvirt/images/pb, where QEMU (running as libvirt-qemu) can read them.
 */
public record PbPaths(Path dataRoot, Path imagesRoot) {

    /** Paths for the current user and the given libvirt URI. PB_DATA_DIR and PB_IMAGES_DIR override. */
    public static PbPaths forUri(String libvirtUri) {
        Path data = env("PB_DATA_DIR") != null ? Path.of(env("PB_DATA_DIR")) : defaultDataRoot();
        Path images;
        if (env("PB_IMAGES_DIR") != null) {
            images = Path.of(env("PB_IMAGES_DIR"));
        } else if (libvirtUri != null && libvirtUri.startsWith("qemu:///system")) {
            images = Path.of("/var/lib/libvirt/images/pb");
        } else {
            images = data.resolve("images");
        }
        return new PbPaths(data, images);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public static Path defaultDataRoot() {
        if (isRoot()) return Path.of("/var/lib/pb");
        String xdg = env("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("pb");
    }

    /** The default file store root: $PB_STORE_DIR, else DATA/store. */
    public static Path defaultStoreDir() {
        String env = env("PB_STORE_DIR");
        if (env != null && !env.isBlank()) return Path.of(env);
        return (env("PB_DATA_DIR") != null ? Path.of(env("PB_DATA_DIR")) : defaultDataRoot()).resolve("store");
    }

    /** The VM's own folder: SSH keys, known_hosts, serial log. */
    public Path vmDir(String namespace, String name) {
        return dataRoot.resolve("vms").resolve(namespace).resolve(name);
    }

    /** Cached base disks. */
    public Path baseDisks() {
        return imagesRoot.resolve("base");
    }

    /** Per-VM overlay disks and NVRAM. */
    public Path vmDisks() {
        return imagesRoot.resolve("vms");
    }

    /** An environment variable, or the system property of the same meaning (pb.data.dir for PB_DATA_DIR), which tests set. */
    private static String env(String name) {
        String prop = System.getProperty(name.toLowerCase().replace('_', '.'));
        if (prop != null && !prop.isBlank()) return prop;
        String v = System.getenv(name);
        return v == null || v.isBlank() ? null : v;
    }
}
