package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** pb ssh: a shell or a command in the VM; the exit status is the remote one. */
@Command(name = "ssh", description = {"Connect to a VM over SSH, or run a command in it (pb ssh NAME -- CMD...).",
        "Without NAME (pb ssh, pb ssh -- CMD...): the latest VM, the running one of the namespace created last.",
        "Exits with the remote command's status, or 255 when SSH itself fails."})
class SshCommand extends BaseCommand {
    @Parameters(arity = "0..*", paramLabel = "NAME [CMD...]", completionCandidates = VmNameCandidates.class,
            description = "VM name (default: the latest running VM), then the command to run in it; after --, only the command.")
    List<String> args = new ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User to log in as (default: the VM's spec.ssh.user).")
    String user;

    @Override
    protected int execute() {
        // what follows "--" is the command; a name can only come before it
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        int dashes = original.lastIndexOf("--");
        int afterDashes = dashes < 0 ? 0 : original.size() - dashes - 1;
        int beforeDashes = args.size() - afterDashes;
        String name;
        List<String> command;
        if (beforeDashes > 0) {
            name = args.get(0);
            command = args.subList(1, args.size());
        } else {
            name = root().sessions().latestRunning();
            command = args;
            progress("Connecting to vm " + name + " (the latest running VM)");
        }
        return root().sessions().ssh(name, user, command);
    }
}
