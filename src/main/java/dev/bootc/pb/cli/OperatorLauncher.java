package dev.bootc.pb.cli;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.service.PbContext;

import java.util.function.Consumer;

/** Starts the operator for the chosen store; filled in by the reconciler. */
final class OperatorLauncher {
    private OperatorLauncher() {
    }

    static int run(PbContext ctx, String nodeName, Consumer<String> progress) {
        throw new PbException.Failed("NoEngine", "The operator needs the VM engine, which this build lacks");
    }
}
