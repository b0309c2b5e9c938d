package dev.bootc.pb.cli;

import dev.bootc.pb.api.PullPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** pb switch: a running VM follows another image, in place (bootc switch), and its spec.image follows. */
@Command(name = "switch", description = {
        "Make a running VM follow another image in place, as bootc switch does: staged from the host's container",
        "storage, one reboot; /etc merged, /var kept, the old image stays as the rollback. spec.image follows."})
class SwitchCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "The image reference the VM follows from now on.")
    String image;

    @Option(names = "--pull", paramLabel = "always|missing|never", description = "When to pull the image on the host (default: the VM's"
            + " spec.imagePullPolicy, else always for :latest or no tag and missing otherwise).")
    String pull;

    @Override
    protected int execute() {
        UpdateReports.print(out(), root().updates().switchTo(name, image, PullPolicy.parse(pull), timed()));
        return ok();
    }
}
