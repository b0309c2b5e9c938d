package dev.bootc.pb.cli;

import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.verbs.Updates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** pb upgrade: the VMs' own image references resolved again; a new digest is staged in place and booted with one reboot. */
@Command(name = "upgrade", description = {
        "Update running VMs in place to their image's current digest, as bootc upgrade does: the host resolves the",
        "image (by --pull), the guest stages it from the host's container storage (shared read-only for the update",
        "only), one reboot applies it; /etc is merged, /var kept, the old image stays as the rollback."})
class UpgradeCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", completionCandidates = VmNameCandidates.class, description = "VM names.")
    List<String> names;

    @Option(names = "--check", description = "Only say whether there is a new digest; change nothing, reboot nothing.")
    boolean check;

    @Option(names = "--pull", paramLabel = "always|missing|never",
            description = "When to pull the image on the host (default: the VM's spec.imagePullPolicy, else always for :latest or"
                    + " no tag and missing otherwise; always finds a moved tag in a registry).")
    String pull;

    @Override
    protected int execute() {
        for (Updates.Report r : root().updates().upgrade(names, check, PullPolicy.parse(pull), timed())) UpdateReports.print(out(), r);
        return ok();
    }
}
