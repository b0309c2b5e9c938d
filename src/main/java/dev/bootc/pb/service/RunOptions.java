package dev.bootc.pb.service;

import dev.bootc.pb.api.BootcVmSpec;

import java.util.List;

/** What `pb run` was asked: the spec and how to behave once the VM is up. */
public record RunOptions(String name, BootcVmSpec spec, boolean replace, boolean background, boolean removeAfter,
                         List<String> command, String pull) {
}
