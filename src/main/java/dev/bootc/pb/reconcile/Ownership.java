package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.PbMetadata;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Whose a domain is. A domain, and the disk, key and port it records, belong to the resource whose uid
 * its metadata records, in the store whose name it has: a name alone proves nothing (a resource deleted
 * without its finalizer leaves its domain, and a new one of the same name is another resource). A domain
 * recorded before pb kept uids has none to compare, and stays its name's.
 */
public final class Ownership {
    private Ownership() {
    }

    /**
     * Why {@code found}, the domain libvirt has under the VM's name, is not {@code vm}'s, if it is not: it is not
     * pb's, it records another owner, or another uid of the same name. One line, saying what to do.
     */
    public static Optional<String> foreign(BootcVm vm, Optional<Domain> found, VmLayout layout) {
        if (found.isEmpty()) return Optional.empty();
        Domain d = found.get();
        VmKey key = VmKey.of(vm);
        PbMetadata m = d.pbMetadata().orElse(null);
        if (m == null) {
            return Optional.of("domain " + d.name() + " exists and is not pb's; nothing of it was touched: rename or remove it"
                    + " (virsh undefine " + d.name() + "), or choose another name");
        }
        VmKey recorded = new VmKey(m.ownerNamespace(), m.ownerName());
        if (recorded.equals(key) && !isThisStores(d, layout)) {
            return Optional.of("domain " + d.name() + " is VM " + key.name() + " of another pb store on this host (its key is "
                    + m.sshKeyPath() + "); nothing of it was touched: choose another name, or pb rm it with that store's PB_DATA_DIR");
        }
        String uid = vm.getMetadata().getUid();
        if (recorded.equals(key) && (m.ownerUid() == null || m.ownerUid().equals(uid))) return Optional.empty();
        String whose = recorded.equals(key) ? "an earlier VM " + key.name() + " (uid " + m.ownerUid() + "), not this one (uid " + uid + ")"
                : "VM " + recorded + ", not this one";
        return Optional.of("domain " + d.name() + " is " + whose + "; nothing of it, its disk, key or port was touched: " + remedy(layout, key));
    }

    /**
     * Whether {@code d} is a domain of this store: a candidate orphan, never another store's. It has the name this
     * store gives the owner it records, and the key it records is under this store's data folder: a file store
     * with another data folder on this host (another checkout, user or PB_DATA_DIR) names its VMs alike.
     * A domain that records no key (none of pb's ever lacked one) is judged by its name alone.
     */
    public static boolean isThisStores(Domain d, VmLayout layout) {
        return d.pbMetadata().map(m -> layout.holds(d.name(), new VmKey(m.ownerNamespace(), m.ownerName()))
                && (m.sshKeyPath() == null || layout.holdsState(Path.of(m.sshKeyPath())))).orElse(false);
    }

    private static String remedy(VmLayout layout, VmKey key) {
        if (VmLayout.FILE.equals(layout.store())) {
            return "once no VM " + key.name() + " is stored, pb rm " + key.name() + " removes it; or choose another name";
        }
        return "a node admin removes it (pb --store kube --namespace " + key.namespace() + " rm " + key.name()
                + " on this node, once this BootcVm is deleted), or choose another name";
    }
}
