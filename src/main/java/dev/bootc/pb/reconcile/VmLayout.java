package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.VmKey;

import java.nio.file.Path;

/**
 * Where everything of a VM of one store lives on this host: the one per-VM file layout, and the VM's
 * domain name. State (keys, known_hosts, serial log) under the data root; disks under the images root,
 * where QEMU can read them. The two stores of a host keep their VMs apart: the file store where pb always
 * kept them (so its VMs survive an upgrade), the Kubernetes store in a folder {@code kube} of each root
 * and with domain names of its own, so that a tenant's {@code default/web} never meets the host owner's
 * {@code web}: not its domain, disk, key, lock or base disk cache. The host's port registry is one for
 * both: 127.0.0.1 is one.
 *
 * @param store      which store's VMs: {@link #FILE} or {@link #KUBE}
 * @param dataRoot   this store's state: /var/lib/pb as root, else $XDG_DATA_HOME/pb; DATA/kube for the Kubernetes store
 * @param imagesRoot this store's disks: /var/lib/libvirt/images/pb for qemu:///system, else DATA/images; IMAGES/kube for
 *                   the Kubernetes store
 * @param ports      the host's port registry, one for both stores: DATA/ports
 */
public record VmLayout(String store, Path dataRoot, Path imagesRoot, Path ports) {
    /** The file store: the host's own user. */
    public static final String FILE = "file";
    /** The Kubernetes store: tenants. */
    public static final String KUBE = "kube";

    /** The file store's layout, where pb always kept its VMs. */
    public VmLayout(Path dataRoot, Path imagesRoot) {
        this(FILE, dataRoot, imagesRoot, dataRoot.resolve("ports"));
    }

    /**
     * The layout of {@code store} on a host whose pb folders are these (PB_DATA_DIR, PB_IMAGES_DIR or their
     * defaults). The Kubernetes store's folders are children, not siblings: they stay on the file system or
     * volume the admin chose for pb (and inside the DaemonSet's mounts), and the file store never reads
     * more of its roots than its own {@code base}, {@code vms}, {@code locks}... folders.
     */
    public static VmLayout of(String store, Path hostData, Path hostImages) {
        if (FILE.equals(store)) return new VmLayout(hostData, hostImages);
        if (!KUBE.equals(store)) throw new IllegalArgumentException("no such store: " + store);
        return new VmLayout(KUBE, hostData.resolve(KUBE), hostImages.resolve(KUBE), hostData.resolve("ports"));
    }

    /**
     * The libvirt domain name of a VM: namespace and name, joined by a character neither can hold; the
     * Kubernetes store's start {@code kube_}. Namespaces and names are DNS labels, so a file-store name has
     * exactly one {@code _} and a Kubernetes one two: no name of one store is ever a name of the other.
     */
    public String domainName(VmKey key) {
        String plain = key.namespace() + "_" + key.name();
        return FILE.equals(store) ? plain : store + "_" + plain;
    }

    /** Whether the domain {@code name}, recording {@code owner}, is this store's domain of that owner (its name is the one this store gives it). */
    public boolean holds(String name, VmKey owner) {
        return domainName(owner).equals(name);
    }

    /** Whether {@code file} is under this store's data folder (compared as absolute, normalised paths). */
    public boolean holdsState(Path file) {
        return file.toAbsolutePath().normalize().startsWith(dataRoot.toAbsolutePath().normalize());
    }

    /** Who holds a VM's host ports in the host's registry: "namespace/name" for the file store (as always), "kube/namespace/name" for the other. */
    public String portOwner(VmKey key) {
        return FILE.equals(store) ? key.toString() : store + "/" + key;
    }

    /** The store of a port owner of the host's registry ({@link #portOwner}). */
    public static String storeOfPortOwner(String owner) {
        return owner.indexOf('/') == owner.lastIndexOf('/') ? FILE : owner.substring(0, owner.indexOf('/'));
    }

    /** The VM of a port owner of the host's registry ({@link #portOwner}), whichever store it is of. */
    public static VmKey keyOfPortOwner(String owner) {
        return VmKey.parse(FILE.equals(storeOfPortOwner(owner)) ? owner : owner.substring(owner.indexOf('/') + 1));
    }

    /** The VM's own folder: SSH keys, known_hosts, serial log. */
    public Path vmDir(VmKey key) {
        return dataRoot.resolve("vms").resolve(key.namespace()).resolve(key.name());
    }

    public Path serialLog(VmKey key) {
        return vmDir(key).resolve("serial.log");
    }

    public Path knownHosts(VmKey key) {
        return vmDir(key).resolve("known_hosts");
    }

    /** The VM's qcow2 overlay: its disk in the default format. */
    public Path overlay(VmKey key) {
        return disk(key, DiskFormat.qcow2);
    }

    /** The VM's own disk in {@code format}; the file's extension is the format ({@link DiskFormat#ofFile}). */
    public Path disk(VmKey key, DiskFormat format) {
        return vmDisks().resolve(domainName(key) + format.extension());
    }

    /** The VM's cloud-init seed (NoCloud, CIDATA): beside its disk, where QEMU can read it. */
    public Path cloudInitSeed(VmKey key) {
        return vmDisks().resolve(domainName(key) + "_cidata.iso");
    }

    /** The VM's UEFI variable store. */
    public Path nvram(VmKey key) {
        return vmDisks().resolve(domainName(key) + "_VARS.fd");
    }

    /** Cached base disks. */
    public Path baseDisks() {
        return imagesRoot.resolve("base");
    }

    /** Per-VM overlay disks and NVRAM. */
    public Path vmDisks() {
        return imagesRoot.resolve("vms");
    }

    /** Lock files: one per VM, and the host-wide ones. */
    public Path locks() {
        return dataRoot.resolve("locks");
    }

    /** pb's virtiofsd wrapper for read-only volumes (libvirt runs it in place of virtiofsd). */
    public Path readOnlyVirtiofsd() {
        return dataRoot.resolve("libexec").resolve("virtiofsd-ro");
    }

    /** Events of file-store resources. */
    public Path events() {
        return dataRoot.resolve("events");
    }
}
