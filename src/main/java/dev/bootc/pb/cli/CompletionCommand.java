package dev.bootc.pb.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * pb completion: shell completion scripts made from the command model (every verb and flag), which
 * complete VM names by calling {@code pb list --format name} (with the line's namespace and store).
 */
@Command(name = "completion", description = {"Print a shell completion script; VM names complete from pb list --format name.",
        "bash: source <(pb completion bash)    zsh: source <(pb completion zsh)",
        "fish: pb completion fish > ~/.config/fish/completions/pb.fish"})
class CompletionCommand extends BaseCommand {
    enum Shell { bash, zsh, fish }

    @Parameters(paramLabel = "bash|zsh|fish", description = "Shell.")
    Shell shell;

    /** The options whose value chooses which VMs there are: passed on to pb list when names complete. */
    static final List<String> CONTEXT_OPTIONS = List.of("-n", "--namespace", "--store", "--store-dir", "-c", "--connect", "--context");

    @Override
    protected int execute() {
        CommandLine top = spec.root().commandLine();
        String script = switch (shell) {
            case bash -> bash(top);
            // picocli's script runs under zsh through bashcompinit
            case zsh -> "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + bash(top);
            case fish -> fish(top.getCommandSpec());
        };
        out().print(script);
        return ok();
    }

    /** picocli's bash script, with the VM-name marker turned into a call of pb list at completion time. */
    static String bash(CommandLine top) {
        String script = AutoComplete.bash("pb", top);
        String names = """
                # VM names of the namespace the line names (pb list --format name, with the line's -n/--store/... options).
                function _pb_vm_names() {
                  local args=() i w
                  for (( i=1; i<COMP_CWORD; i++ )); do
                    w=${COMP_WORDS[i]}
                    case "$w" in
                      %s) args+=("$w" "${COMP_WORDS[i+1]}") ;;
                      --namespace=*|--store=*|--store-dir=*|--connect=*|--context=*) args+=("$w") ;;
                    esac
                  done
                  "${COMP_WORDS[0]}" "${args[@]}" list --format name 2>/dev/null
                }

                """.formatted(String.join("|", CONTEXT_OPTIONS));
        script = script.replace("(\"" + VmNameCandidates.MARKER + "\")", "($(_pb_vm_names))");
        int entry = script.indexOf("# Bash completion entry point function.");
        return script.substring(0, entry) + names + script.substring(entry);
    }

    /** A fish script: each verb, alias and option of the model, and VM names where a command takes one. */
    static String fish(CommandSpec top) {
        StringBuilder b = new StringBuilder();
        b.append("# fish completion for pb, generated from its command model (pb completion fish)\n");
        b.append("function __pb_vm_names\n");
        b.append("    set -l words (commandline -opc)\n");
        b.append("    set -l args\n");
        b.append("    for i in (seq 2 (count $words))\n");
        b.append("        switch $words[$i]\n");
        b.append("            case ").append(String.join(" ", CONTEXT_OPTIONS)).append("\n");
        b.append("                set -a args $words[$i] $words[(math $i + 1)]\n");
        b.append("            case '--namespace=*' '--store=*' '--store-dir=*' '--connect=*' '--context=*'\n");
        b.append("                set -a args $words[$i]\n");
        b.append("        end\n");
        b.append("    end\n");
        b.append("    command $words[1] $args list --format name 2>/dev/null\n");
        b.append("end\n\n");
        b.append("complete -c pb -f\n");
        Set<String> verbs = new LinkedHashSet<>();
        for (Map.Entry<String, CommandLine> e : top.subcommands().entrySet()) verbs.add(e.getKey());
        String none = "not __fish_seen_subcommand_from " + String.join(" ", verbs);
        for (OptionSpec o : top.options()) option(b, "", o);
        List<String> withNames = new ArrayList<>();
        Set<CommandSpec> done = new java.util.HashSet<>();
        for (Map.Entry<String, CommandLine> e : top.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            b.append("complete -c pb -n '").append(none).append("' -a ").append(e.getKey())
                    .append(" -d ").append(quote(first(sub))).append('\n');
            if (!done.add(sub)) continue; // an alias: its options are its command's
            String when = "__fish_seen_subcommand_from " + String.join(" ", names(top, sub));
            for (OptionSpec o : sub.options()) {
                if (o.scopeType() == CommandLine.ScopeType.INHERIT && top.options().stream().anyMatch(t -> t.longestName().equals(o.longestName()))) continue;
                option(b, when, o);
            }
            if (sub.positionalParameters().stream().anyMatch(p -> p.completionCandidates() instanceof VmNameCandidates)) {
                withNames.addAll(names(top, sub));
            }
            for (Map.Entry<String, CommandLine> nested : e.getValue().getSubcommands().entrySet()) {
                b.append("complete -c pb -n '").append(when).append("; and not __fish_seen_subcommand_from ")
                        .append(String.join(" ", e.getValue().getSubcommands().keySet())).append("' -a ").append(nested.getKey())
                        .append(" -d ").append(quote(first(nested.getValue().getCommandSpec()))).append('\n');
            }
            if (sub.name().equals("completion")) {
                b.append("complete -c pb -n '").append(when).append("' -a 'bash zsh fish'\n");
            }
        }
        b.append("complete -c pb -n '__fish_seen_subcommand_from ").append(String.join(" ", withNames))
                .append("' -a '(__pb_vm_names)' -d VM\n");
        return b.toString();
    }

    /** The names under which {@code top} knows {@code sub}: its name and aliases. */
    private static List<String> names(CommandSpec top, CommandSpec sub) {
        List<String> out = new ArrayList<>();
        top.subcommands().forEach((k, v) -> {
            if (v.getCommandSpec() == sub) out.add(k);
        });
        return out;
    }

    private static void option(StringBuilder b, String when, OptionSpec o) {
        if (o.hidden()) return;
        b.append("complete -c pb");
        if (!when.isEmpty()) b.append(" -n '").append(when).append('\'');
        for (String n : o.names()) {
            if (n.startsWith("--")) b.append(" -l ").append(n.substring(2));
            else if (n.length() == 2) b.append(" -s ").append(n.substring(1));
            else b.append(" -o ").append(n.substring(1));
        }
        if (o.arity().max() > 0) {
            Class<?> type = o.type();
            if (o.completionCandidates() != null) {
                List<String> values = new ArrayList<>();
                o.completionCandidates().forEach(values::add);
                b.append(" -xa ").append(quote(String.join(" ", values)));
            } else if (Path.class.isAssignableFrom(type) || java.io.File.class.isAssignableFrom(type)) {
                b.append(" -rF");
            } else {
                b.append(" -x");
            }
        }
        String[] d = o.description();
        if (d.length > 0) b.append(" -d ").append(quote(d[0].replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()))));
        b.append('\n');
    }

    private static String first(CommandSpec c) {
        String[] d = c.usageMessage().description();
        return d.length == 0 ? c.name() : d[0];
    }

    /** A fish single-quoted string. */
    static String quote(String s) {
        String oneLine = s.replace("\n", " ");
        if (oneLine.length() > 100) oneLine = oneLine.substring(0, 97) + "...";
        return "'" + oneLine.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
