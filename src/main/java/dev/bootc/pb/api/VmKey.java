package dev.bootc.pb.api;

/** Which VM: namespace and name. The one key of queues, locks, files and messages ("namespace/name"). */
public record VmKey(String namespace, String name) implements Comparable<VmKey> {
    /** @throws PbException {@link Failure#InvalidName} unless both are DNS labels: a key names files, so {@code ../x} never makes one */
    public VmKey {
        Validation.requireName("metadata.namespace", namespace);
        Validation.requireName("metadata.name", name);
    }

    public static VmKey of(BootcVm vm) {
        return new VmKey(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
    }

    /** From "namespace/name". */
    public static VmKey parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) throw new IllegalArgumentException("not namespace/name: " + text);
        return new VmKey(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }

    @Override
    public int compareTo(VmKey o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }
}
