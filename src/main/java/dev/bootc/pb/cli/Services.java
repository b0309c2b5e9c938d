package dev.bootc.pb.cli;

import dev.bootc.pb.service.PbContext;
import dev.bootc.pb.service.VmService;

/** Builds the service a command calls, from the invocation's context. */
final class Services {
    private Services() {
    }

    static VmService vms(PbContext ctx) {
        return new VmService(ctx);
    }
}
