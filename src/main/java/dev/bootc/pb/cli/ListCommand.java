package dev.bootc.pb.cli;

import dev.bootc.pb.api.ImageRefs;
import dev.bootc.pb.verbs.LabelSelector;
import dev.bootc.pb.verbs.VmRow;
import dev.bootc.pb.verbs.Views;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** pb list: every VM with what libvirt shows now. */
@Command(name = "list", aliases = "ls", description = "List VMs; RUNNING and SSH come from libvirt on every call.")
class ListCommand extends BaseCommand {
    enum Format { table, json, yaml, name }

    @Option(names = {"-o", "--format"}, paramLabel = "table|json|yaml|name", defaultValue = "table",
            description = "Output format (default: ${DEFAULT-VALUE}); name: one VM name a line, for scripts and completion.")
    Format format;

    @Option(names = "--no-headers", description = "The table without its header line.")
    boolean noHeaders;

    @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR",
            description = "Only VMs whose labels match, as kubectl's -l: env=dev,tier!=db, 'env in (dev,test)', env, !env.")
    String selector;

    @Override
    protected int execute() {
        LabelSelector sel = LabelSelector.parse(selector);
        Views.Listing listing = root().views().list(sel);
        if (listing.warning() != null) err().println("Warning: " + listing.warning());
        List<VmRow> rows = listing.rows();
        switch (format) {
            case json -> out().println(Output.json(rows));
            case yaml -> out().print(Output.yaml(rows));
            case name -> rows.stream().map(VmRow::name).distinct().forEach(out()::println);
            case table -> {
                List<List<String>> cells = new ArrayList<>();
                for (VmRow r : rows) {
                    // a digest or an ID as podman shows IDs, 12 hex digits; json and yaml keep the whole reference
                    String repo = ImageRefs.shortened(r.image());
                    String image = r.invalid() ? "(invalid: " + r.problem() + ")" : r.orphan() ? repo + " (orphaned)" : repo;
                    cells.add(List.of(r.name(), image, r.size(), Output.ago(r.created()),
                            Boolean.toString(r.running()), r.sshPort() == null ? "-" : r.address() != null ? r.address() + ":" + r.sshPort() : r.sshPort().toString()));
                }
                String table = Output.table(List.of("NAME", "REPO", "SIZE", "CREATED", "RUNNING", "SSH PORT"), cells);
                out().print(noHeaders ? table.substring(table.indexOf('\n') + 1) : table);
            }
        }
        return ok();
    }
}
