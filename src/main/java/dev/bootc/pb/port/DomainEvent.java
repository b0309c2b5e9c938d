package dev.bootc.pb.port;

/**
 * A libvirt lifecycle event of one domain. The owner fields name the pb resource when the domain is
 * (or was, for an undefine) ours, and are null otherwise.
 */
public record DomainEvent(String domainName, String ownerNamespace, String ownerName, Type type, String detail) {

    /**
     * libvirt's lifecycle event types, and RECONNECTED: the connection to libvirt was lost and is back
     * (libvirtd restarted), so events of the gap may be missing and a listener should look at every
     * domain again; it names no domain.
     */
    public enum Type {
        DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN, PMSUSPENDED, CRASHED, UNKNOWN, RECONNECTED
    }

    public boolean owned() {
        return ownerNamespace != null && ownerName != null;
    }

    /**
     * The VM whose domain it is: the one event-to-resource mapping of every driver. Empty when the domain's metadata
     * names no VM pb could have (whoever may define domains writes it): such a name never becomes a key.
     */
    public java.util.Optional<dev.bootc.pb.api.VmKey> owner() {
        if (!owned() || dev.bootc.pb.api.Validation.nameProblem("namespace", ownerNamespace).isPresent()
                || dev.bootc.pb.api.Validation.nameProblem("name", ownerName).isPresent()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new dev.bootc.pb.api.VmKey(ownerNamespace, ownerName));
    }
}
