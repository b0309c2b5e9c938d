package dev.bootc.pb.cli;

import picocli.CommandLine.Command;

/** pb cache: base disks built from images. */
@Command(name = "cache", description = "Manage cached base disks.", subcommands = {CacheCommand.ListCmd.class, CacheCommand.Prune.class})
class CacheCommand {

    @Command(name = "list", description = "List cached base disks: key, image, digest, size, VMs using it.")
    static class ListCmd extends BaseCommand {
        @Override
        protected int execute() {
            java.util.List<java.util.List<String>> rows = new java.util.ArrayList<>();
            for (var c : root().cache().list()) {
                var b = c.disk();
                rows.add(java.util.List.of(b.key(), b.image() == null ? "-" : b.image(), b.digest() == null ? "-" : Output.abbreviateDigest(b.digest()),
                        Output.humanBytes(b.sizeOnDiskBytes()), c.users().isEmpty() ? "-" : String.join(",", c.users())));
            }
            out().print(Output.table(java.util.List.of("KEY", "IMAGE", "DIGEST", "SIZE", "VMS"), rows));
            return ok();
        }
    }

    @Command(name = "prune", description = "Remove base disks that no VM uses.")
    static class Prune extends BaseCommand {
        @Override
        protected int execute() {
            for (String removed : root().cache().prune()) out().println(removed);
            return ok();
        }
    }
}
