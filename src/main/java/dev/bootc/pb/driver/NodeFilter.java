package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVm;

/**
 * Which BootcVms an operator on this node handles: those whose spec.nodeName is this node, and,
 * where {@code claimsUnassigned} (the file store: one host, one operator), those with no node at all.
 */
public record NodeFilter(String node, boolean claimsUnassigned) {

    public boolean mine(BootcVm vm) {
        String n = vm.getSpec() == null ? null : vm.getSpec().getNodeName();
        return n == null ? claimsUnassigned : n.equals(node);
    }
}
