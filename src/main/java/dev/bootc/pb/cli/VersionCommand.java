package dev.bootc.pb.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** pb version. */
@Command(name = "version", description = "Print pb's version.")
class VersionCommand extends BaseCommand {

    static String version() {
        String v = VersionCommand.class.getPackage().getImplementationVersion();
        if (v == null) v = "dev";
        return v;
    }

    @Override
    protected int execute() {
        out().println("pb version " + version());
        out().println("java " + System.getProperty("java.version"));
        return ok();
    }

    /** --version of the root command. */
    static class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"pb version " + version()};
        }
    }
}
