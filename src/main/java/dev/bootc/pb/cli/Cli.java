package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.boot.StoreKind;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.function.Function;

/**
 * The command line, wired once: usage errors are one line and exit 2; unexpected errors exit 1.
 * Runs in-process for tests exactly as the launcher runs it.
 */
public final class Cli {
    private Cli() {
    }

    /** The command line whose root is built from the global options by {@code roots}. */
    public static CommandLine commandLine(Function<Config.Options, Root> roots) {
        CommandLine cl = new CommandLine(new PbCommand(roots));
        cl.setCaseInsensitiveEnumValuesAllowed(false);
        // no @file expansion: an argument starting with @ is a value, and an unreadable one must not end in a stack trace
        cl.setExpandAtFiles(false);
        // podman-bootc's form: everything after the image is the command to run in the VM.
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            // one line, whatever the offending argument holds: its control characters are shown escaped
            c.getErr().println("Error: " + Validation.escapeControls(firstLine(ex.getMessage())) + " (see " + c.getCommandSpec().qualifiedName() + " --help)");
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
            if (parseResult.hasMatchedOption("--verbose")) ex.printStackTrace(c.getErr());
            c.getErr().flush();
            return ExitCodes.FAILURE;
        });
        return cl;
    }

    /** picocli's message up to its own second line ("Did you mean ..."), a newline inside a quoted argument kept. */
    private static String firstLine(String m) {
        if (m == null) return "";
        int cut = m.indexOf("\nDid you mean");
        if (cut < 0) cut = m.indexOf("\nPossible solutions");
        return (cut < 0 ? m : m.substring(0, cut)).strip();
    }

    /** Runs pb with these arguments against this process's environment; returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, o -> new Root(Config.load(o)));
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err, Function<Config.Options, Root> roots) {
        CommandLine cl = commandLine(roots);
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } catch (PbException e) {
            err.println("Error: " + e.getMessage());
            return e.exitCode();
        } finally {
            ((PbCommand) cl.getCommand()).close();
            out.flush();
            err.flush();
        }
    }

    /** Whether these arguments ask for the Kubernetes operator, which runs inside Quarkus and the Operator SDK. */
    public static boolean wantsKubeOperator(String[] args) {
        try {
            CommandLine.ParseResult pr = commandLine(o -> null).parseArgs(args);
            if (!pr.hasSubcommand() || !"operator".equals(pr.subcommand().commandSpec().name())) return false;
            PbCommand top = (PbCommand) pr.commandSpec().userObject();
            return Config.load(top.options()).store() == StoreKind.kube;
        } catch (CommandLine.ParameterException | PbException e) {
            return false; // the ordinary path reports it
        }
    }

    /** The configuration and the operator's own options, as the Kubernetes operator reads them from its arguments. */
    public static OperatorArgs operatorArgs(String[] args) {
        CommandLine.ParseResult pr = commandLine(o -> null).parseArgs(args);
        PbCommand top = (PbCommand) pr.commandSpec().userObject();
        OperatorCommand op = (OperatorCommand) pr.subcommand().commandSpec().userObject();
        Config config = Config.load(top.options());
        return new OperatorArgs(config, op.nodeName != null ? op.nodeName : config.node());
    }

    /** What the Kubernetes operator starts with. */
    public record OperatorArgs(Config config, String node) {
    }
}
