package dev.bootc.pb.service;

/**
 * One line of `pb list`: the resource joined with what libvirt shows now. An orphan is a domain of
 * ours with no resource.
 */
public record VmRow(String name, String namespace, String image, String size, String created, boolean running,
                    String state, Integer sshPort, String phase, String ready, boolean orphan) {
}
