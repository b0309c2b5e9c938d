package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.boot.StoreKind;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.Set;
import java.util.function.Function;

/**
 * The command line, wired once: usage errors are one line and exit 2; unexpected errors exit 1.
 * Runs in-process for tests exactly as the launcher runs it.
 */
public final class Cli {
    private Cli() {
    }

    /** Global options that take a value: what follows them is not the verb. */
    private static final Set<String> VALUED = Set.of("--store", "--store-dir", "-n", "--namespace", "--context", "-c", "--connect");

    /** The command line whose root is built from the global options by {@code roots}, with every verb. */
    public static CommandLine commandLine(Function<Config.Options, Root> roots) {
        return commandLine(roots, null);
    }

    /**
     * The command line for these arguments: with only the verb they invoke when that is clear (picocli
     * builds the model of every subcommand it is given, which costs more than most verbs take), else
     * with every verb (help, completion, a mistyped verb).
     */
    static CommandLine commandLine(Function<Config.Options, Root> roots, String[] args) {
        CommandLine cl = new CommandLine(new PbCommand(roots));
        Class<?> invoked = args == null ? null : invokedVerb(args);
        for (Class<?> verb : PbCommand.VERBS) {
            if (invoked == null || verb == invoked) cl.addSubcommand(newInstance(verb));
        }
        cl.setCaseInsensitiveEnumValuesAllowed(false);
        // no @file expansion: an argument starting with @ is a value, and an unreadable one must not end in a stack trace
        cl.setExpandAtFiles(false);
        // podman-bootc's form: everything after the image is the command to run in the VM.
        if (cl.getSubcommands().containsKey("run")) cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.setParameterExceptionHandler((ex, argv) -> {
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

    /** The verb class the arguments name (its name or an alias), or null when they name none or ask for help. */
    static Class<?> invokedVerb(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return null;
            if (a.startsWith("-")) {
                if (VALUED.contains(a)) i++;
                continue;
            }
            if (a.equals("help") || a.equals("completion")) return null;
            return PbCommand.BY_NAME.get(a);
        }
        return null;
    }

    private static Object newInstance(Class<?> verb) {
        try {
            var ctor = verb.getDeclaredConstructor();
            ctor.setAccessible(true);
            return ctor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make the command " + verb.getName(), e);
        }
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
        return execute(args, out, err, o -> new Root(Config.load(o)), Terminal.detect(Config.Display.load()));
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err, Function<Config.Options, Root> roots) {
        return execute(args, out, err, roots, Terminal.PLAIN);
    }

    static int execute(String[] args, PrintWriter out, PrintWriter err, Function<Config.Options, Root> roots, Terminal terminal) {
        CommandLine cl = commandLine(roots, args);
        ((PbCommand) cl.getCommand()).terminal(terminal);
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

    /**
     * Whether these arguments or this environment choose the Kubernetes store ({@code --store kube},
     * {@code --store=kube}, else {@code PB_STORE=kube}), read without picocli: the launcher makes the
     * same choice in bash, to pick the class path before a JVM starts.
     */
    public static boolean wantsKube(String[] args, java.util.Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--")) break;
            if (args[i].equals("--store")) return i + 1 < args.length && args[i + 1].equals("kube");
            if (args[i].startsWith("--store=")) return args[i].equals("--store=kube");
        }
        String v = env.get("PB_STORE");
        return v != null && v.trim().equalsIgnoreCase("kube");
    }

    /** The build's class-data-sharing training run (see {@link CdsTraining}); returns its exit code. */
    public static int train(java.nio.file.Path dir) throws java.io.IOException {
        return CdsTraining.run(dir);
    }

    /** Whether these arguments ask for the Kubernetes operator, which runs inside Quarkus and the Operator SDK. */
    public static boolean wantsKubeOperator(String[] args) {
        try {
            if (invokedVerb(args) != OperatorCommand.class) return false;
            CommandLine.ParseResult pr = commandLine(o -> null, args).parseArgs(args);
            PbCommand top = (PbCommand) pr.commandSpec().userObject();
            return Config.load(top.options()).store() == StoreKind.kube;
        } catch (CommandLine.ParameterException | PbException e) {
            return false; // the ordinary path reports it
        }
    }

    /** The configuration and the operator's own options, as the Kubernetes operator reads them from its arguments. */
    public static OperatorArgs operatorArgs(String[] args) {
        CommandLine.ParseResult pr = commandLine(o -> null, args).parseArgs(args);
        PbCommand top = (PbCommand) pr.commandSpec().userObject();
        OperatorCommand op = (OperatorCommand) pr.subcommand().commandSpec().userObject();
        Config config = op.withPolicy(Config.load(top.options()));
        return new OperatorArgs(config, op.nodeName != null ? op.nodeName : config.node());
    }

    /** What the Kubernetes operator starts with. */
    public record OperatorArgs(Config config, String node) {
    }
}
