package dev.bootc.pb.verbs;

/**
 * One line of {@code pb list}: the resource joined with what libvirt shows now. An orphan is a domain
 * of ours with no resource; an invalid row is a resource that cannot be read (its problem in {@code problem}).
 * {@code address}: a running guest's own address on its bridge or libvirt network, where SSH goes (port 22).
 */
public record VmRow(String name, String namespace, String image, String size, String created, boolean running,
                    String state, Integer sshPort, String address, String phase, String ready, boolean orphan, String problem,
                    java.util.Map<String, String> labels, dev.bootc.pb.api.GuestStatus guest) {

    public VmRow {
        labels = labels == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(labels));
    }

    public boolean invalid() {
        return problem != null;
    }
}
