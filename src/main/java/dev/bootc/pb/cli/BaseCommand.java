package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.boot.Root;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** What every verb shares: the composition root, the output streams, and turning failures into exit codes. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    protected PbCommand top() {
        return (PbCommand) spec.root().userObject();
    }

    protected Root root() {
        return top().root();
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    protected boolean quiet() {
        return top().options().quiet();
    }

    /** A status line on stderr, unless --quiet (the live progress line, if any, ends first). */
    protected void progress(String line) {
        if (!quiet()) {
            if (steps != null) steps.finish();
            err().println(line);
            err().flush();
        }
    }

    /** "Warning: ..." on stderr, --quiet or not: something about what was written, not progress. */
    protected void warning(String line) {
        if (steps != null) steps.finish();
        err().println("Warning: " + line);
        err().flush();
    }

    private ProgressLine steps;

    /**
     * This command's progress: a live line per step on a terminal, timestamped lines elsewhere
     * ("[  12.3s] Building disk"), nothing with --quiet. Ended when the command ends.
     */
    protected ProgressLine timed() {
        return timed(false);
    }

    /** As {@link #timed()}; {@code plain}: timestamped lines even on a terminal (when other output shares it). */
    protected ProgressLine timed(boolean plain) {
        if (steps == null) steps = new ProgressLine(err(), plain ? Terminal.PLAIN : top().terminal(), quiet());
        return steps;
    }

    @Override
    public final Integer call() throws Exception {
        Logging.configure(top().options().verbose());
        try {
            return execute();
        } catch (PbException e) {
            if (steps != null) steps.fail();
            err().println("Error: " + e.getMessage());
            err().flush();
            return e.exitCode();
        } catch (RuntimeException | Error e) {
            if (steps != null) steps.fail();
            throw e;
        } finally {
            if (steps != null) steps.close();
            out().flush();
        }
    }

    protected abstract int execute() throws Exception;

    protected static int ok() {
        return ExitCodes.OK;
    }
}
