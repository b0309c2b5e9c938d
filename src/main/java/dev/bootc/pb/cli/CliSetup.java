package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/** Wires the command line once: usage errors are one line and exit 2; unexpected errors exit 1. */
@ApplicationScoped
public class CliSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return configure(factory.create());
    }

    /** Applies pb's error handling to a command line (also used by tests that build their own). */
    public static CommandLine configure(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(false);
        // podman-bootc's form: everything after the image is the command to run in the VM.
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("Error: " + ex.getMessage().split("\n")[0] + " (see " + c.getCommandSpec().qualifiedName() + " --help)");
            c.getErr().flush();
            return ExitCodes.INVALID;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            if (ex instanceof PbException pe) {
                c.getErr().println("Error: " + pe.getMessage());
                c.getErr().flush();
                return pe.exitCode();
            }
            c.getErr().println("Error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage().split("\n")[0]));
            if (Boolean.getBoolean("pb.trace") || parseResult.hasMatchedOption("--verbose")) ex.printStackTrace(c.getErr());
            c.getErr().flush();
            return ExitCodes.FAILURE;
        });
        return cl;
    }
}
