package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

/** pb ssh: a shell or a command in the VM; the exit status is the remote one. */
@Command(name = "ssh", description = {"Connect to a VM over SSH, or run a command in it (pb ssh NAME -- CMD...).",
        "Exits with the remote command's status, or 255 when SSH itself fails."})
class SshCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "VM name.")
    String name;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "Command to run in the VM.")
    List<String> command = new ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User to log in as (default: the VM's spec.ssh.user).")
    String user;

    @Override
    protected int execute() {
        return root().sessions().ssh(name, user, command);
    }
}
