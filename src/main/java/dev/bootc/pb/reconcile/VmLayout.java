package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.VmKey;

import java.nio.file.Path;

/**
 * Where everything of a VM lives on this host: the one per-VM file layout. State (keys, known_hosts,
 * serial log) under the data root; disks under the images root, where QEMU can read them.
 *
 * @param dataRoot   /var/lib/pb as root, else $XDG_DATA_HOME/pb
 * @param imagesRoot /var/lib/libvirt/images/pb for qemu:///system, else DATA/images
 */
public record VmLayout(Path dataRoot, Path imagesRoot) {

    /** The libvirt domain name of a VM: namespace and name, joined by a character neither can hold. */
    public static String domainName(VmKey key) {
        return key.namespace() + "_" + key.name();
    }

    /** Who holds a VM's host ports in the host's registry: "namespace/name". */
    public String portOwner(VmKey key) {
        return key.toString();
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

    /** The VM's qcow2 overlay. */
    public Path overlay(VmKey key) {
        return vmDisks().resolve(domainName(key) + ".qcow2");
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

    /** Reserved SSH ports, a file each. */
    public Path ports() {
        return dataRoot.resolve("ports");
    }

    /** Events of file-store resources. */
    public Path events() {
        return dataRoot.resolve("events");
    }
}
