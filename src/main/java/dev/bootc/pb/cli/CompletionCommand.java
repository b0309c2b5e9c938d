package dev.bootc.pb.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** pb completion: shell completion scripts. */
@Command(name = "completion", description = {"Print a shell completion script.",
        "bash: source <(pb completion bash)    zsh: source <(pb completion zsh)"})
class CompletionCommand extends BaseCommand {
    enum Shell { bash, zsh }

    @Parameters(paramLabel = "bash|zsh", description = "Shell.")
    Shell shell;

    @Override
    protected int execute() {
        String script = AutoComplete.bash("pb", spec.root().commandLine());
        if (shell == Shell.zsh) {
            // picocli's script runs under zsh through bashcompinit.
            script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        out().print(script);
        return ok();
    }
}
