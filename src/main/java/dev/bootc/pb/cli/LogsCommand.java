package dev.bootc.pb.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;

/** pb logs: the VM's serial console, as virtlogd logged it. */
@Command(name = "logs", description = {"Print a VM's serial console log (this boot's: kernel, systemd, login prompt).",
        "-f follows it, across reboots, until the VM is removed or Ctrl-C."})
class LogsCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name.")
    String name;

    @Option(names = {"-f", "--follow"}, description = "Keep printing what the console prints.")
    boolean follow;

    @Override
    protected int execute() {
        root().consoles().logs(name, follow, bytes -> {
            out().print(new String(bytes, StandardCharsets.UTF_8));
            out().flush();
        }, () -> out().checkError());
        return ok();
    }
}
