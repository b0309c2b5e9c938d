package dev.bootc.pb.verbs;

/**
 * One line of {@code pb list}: the resource joined with what libvirt shows now. An orphan is a domain
 * of ours with no resource; an invalid row is a resource that cannot be read (its problem in {@code problem}).
 */
public record VmRow(String name, String namespace, String image, String size, String created, boolean running,
                    String state, Integer sshPort, String phase, String ready, boolean orphan, String problem) {

    public boolean invalid() {
        return problem != null;
    }
}
