package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.boot.Root;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

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

    /** A progress or status line on stderr, unless --quiet. */
    protected void progress(String line) {
        if (!quiet()) {
            err().println(line);
            err().flush();
        }
    }

    /** Progress lines with the time since the command started, each new one once: "[  12.3s] Building disk". */
    protected Consumer<String> timed() {
        long start = System.nanoTime();
        String[] last = {null};
        return line -> {
            if (line.equals(last[0])) return;
            last[0] = line;
            progress(String.format(Locale.ROOT, "[%6.1fs] %s", Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0, line));
        };
    }

    @Override
    public final Integer call() throws Exception {
        Logging.configure(top().options().verbose());
        try {
            return execute();
        } catch (PbException e) {
            err().println("Error: " + e.getMessage());
            err().flush();
            return e.exitCode();
        } finally {
            out().flush();
        }
    }

    protected abstract int execute() throws Exception;

    protected static int ok() {
        return ExitCodes.OK;
    }
}
