package dev.bootc.pb.cli;

import picocli.CommandLine.Command;

/** pb cache: base disks built from images. */
@Command(name = "cache", description = "Manage cached base disks.", subcommands = {CacheCommand.ListCmd.class, CacheCommand.Prune.class})
class CacheCommand {

    @Command(name = "list", description = "List cached base disks: key, image, digest, size, VMs using it.")
    static class ListCmd extends BaseCommand {
        @Override
        protected int execute() {
            out().print(Output.table(java.util.List.of("KEY", "IMAGE", "DIGEST", "SIZE", "VMS"), vms().cacheRows()));
            return ok();
        }
    }

    @Command(name = "prune", description = "Remove base disks that no VM uses.")
    static class Prune extends BaseCommand {
        @Override
        protected int execute() {
            for (String removed : vms().cachePrune()) out().println(removed);
            return ok();
        }
    }
}
