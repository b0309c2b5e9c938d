package dev.bootc.pb.cli;

import dev.bootc.pb.verbs.VmRow;
import dev.bootc.pb.verbs.Views;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** pb list: every VM with what libvirt shows now. */
@Command(name = "list", aliases = "ls", description = "List VMs; RUNNING and SSH come from libvirt on every call.")
class ListCommand extends BaseCommand {
    enum Format { table, json, yaml }

    @Option(names = "--format", paramLabel = "table|json|yaml", defaultValue = "table", description = "Output format (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    protected int execute() {
        Views.Listing listing = root().views().list();
        if (listing.warning() != null) err().println("Warning: " + listing.warning());
        List<VmRow> rows = listing.rows();
        switch (format) {
            case json -> out().println(Output.json(rows));
            case yaml -> out().print(Output.yaml(rows));
            case table -> {
                List<List<String>> cells = new ArrayList<>();
                for (VmRow r : rows) {
                    String image = r.invalid() ? "(invalid: " + r.problem() + ")" : r.orphan() ? r.image() + " (orphaned)" : r.image();
                    cells.add(List.of(r.name(), image, r.size(), Output.ago(r.created()),
                            Boolean.toString(r.running()), r.sshPort() == null ? "-" : r.sshPort().toString()));
                }
                out().print(Output.table(List.of("NAME", "REPO", "SIZE", "CREATED", "RUNNING", "SSH PORT"), cells));
            }
        }
        return ok();
    }
}
