package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.service.PbContext;
import dev.bootc.pb.service.VmService;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** What every verb shares: the context, the output streams, and turning failures into exit codes. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    protected PbCommand root() {
        return (PbCommand) spec.root().userObject();
    }

    protected PbContext ctx() {
        return root().context();
    }

    protected VmService vms() {
        return Services.vms(ctx());
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A progress or status line on stderr, unless --quiet. */
    protected void progress(String line) {
        if (!ctx().quiet()) {
            err().println(line);
            err().flush();
        }
    }

    @Override
    public final Integer call() throws Exception {
        Logging.configure(ctx().verbose());
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
