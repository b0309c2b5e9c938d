package dev.bootc.pb.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command surface: every verb and every flag the issue names is in --help. */
class CliSurfaceTest {
    @TempDir
    Path dir;

    @Test
    void rootHelpListsEveryCommandAndTheExitCodes() {
        CliRunner.Result r = new CliRunner(dir).run("--help");
        assertEquals(0, r.exit());
        for (String cmd : List.of("run", "ssh", "stop", "start", "upgrade", "switch", "rollback", "rm", "inspect", "list", "apply", "get", "images",
                "operator", "completion", "version", "doctor", "cache", "export")) {
            assertTrue(r.out().matches("(?s).*\\n  " + cmd + "[ ,].*"), "missing command " + cmd + " in\n" + r.out());
        }
        for (String opt : List.of("--store", "--store-dir", "--namespace", "--context", "--connect", "--quiet", "--verbose")) {
            assertTrue(r.out().contains(opt), opt);
        }
        assertTrue(r.out().contains("3    not found"));
    }

    @Test
    void runHelpListsEveryFlag() {
        CliRunner.Result r = new CliRunner(dir).run("run", "--help");
        assertEquals(0, r.exit());
        for (String flag : List.of("--filesystem", "--disk-size", "--root-size-max", "-u, --user", "-B, --background", "--rm",
                "--quiet", "--name", "--memory", "--cpus", "-p, --port", "-v, --volume", "--ssh-key", "--network",
                "--firmware", "--karg", "-R, --replace", "--pull", "--cloudinit", "--disk-format")) {
            assertTrue(r.out().contains(flag), "missing flag " + flag);
        }
    }

    @Test
    void unknownFlagIsAUsageErrorOnOneLine() {
        CliRunner.Result r = new CliRunner(dir).run("list", "--bogus");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("--bogus"));
    }

    @Test
    void bashCompletionCompletesVmNamesFromPbListWithTheLinesNamespace() throws Exception {
        CliRunner.Result bash = new CliRunner(dir).run("completion", "bash");
        Path script = dir.resolve("pb.bash");
        java.nio.file.Files.writeString(script, bash.out());
        Path bin = java.nio.file.Files.createDirectories(dir.resolve("bin"));
        Path fake = bin.resolve("pb");
        java.nio.file.Files.writeString(fake, "#!/bin/sh\n[ \"$*\" = \"-n team list --format name\" ] && { echo team-vm; exit 0; }\n"
                + "[ \"$*\" = \"list --format name\" ] && { printf 'alpha\\nbeta\\n'; exit 0; }\necho \"unexpected: $*\" >&2; exit 9\n");
        fake.toFile().setExecutable(true);
        assertEquals(List.of("alpha", "beta"), complete(script, bin, "pb", "ssh", ""));
        assertEquals(List.of("beta"), complete(script, bin, "pb", "logs", "b"));
        assertEquals(List.of("team-vm"), complete(script, bin, "pb", "-n", "team", "rm", ""));
        assertEquals(List.of("alpha", "beta"), complete(script, bin, "pb", "remove", "-f", ""));
        assertEquals(List.of("alpha", "beta"), complete(script, bin, "pb", "export", ""));
        assertEquals(List.of("export"), complete(script, bin, "pb", "exp"));
        assertEquals(List.of("console"), complete(script, bin, "pb", "cons"));
        assertTrue(complete(script, bin, "pb", "run", "--clou").contains("--cloudinit"));
    }

    /** COMPREPLY of the script's completion function for a line whose last word is being completed. */
    private static List<String> complete(Path script, Path bin, String... words) throws Exception {
        String array = String.join(" ", java.util.Arrays.stream(words).map(w -> "'" + w + "'").toList());
        String cmd = "source " + script + "; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}; _complete_pb; printf '%s\\n' \"${COMPREPLY[@]}\"";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(0, p.waitFor(), err);
        assertTrue(!err.contains("unexpected"), err);
        return out.lines().filter(l -> !l.isBlank()).map(String::strip).map(l -> l.replaceAll("^'|'$", "")).sorted().toList();
    }

    @Test
    void fishCompletionHasEveryVerbAndCompletesVmNames() {
        CliRunner.Result fish = new CliRunner(dir).run("completion", "fish");
        assertEquals(0, fish.exit());
        String s = fish.out();
        for (String verb : List.of("run", "ssh", "list", "ls", "rm", "remove", "logs", "console", "inspect", "images", "completion")) {
            assertTrue(s.contains(" -a " + verb + " -d "), verb);
        }
        assertTrue(s.contains("complete -c pb -n '__fish_seen_subcommand_from run' -l cloudinit -rF"), "paths complete as files");
        assertTrue(s.contains("complete -c pb -n '__fish_seen_subcommand_from run' -l filesystem -xa 'xfs ext4 btrfs'"), "enums as values");
        assertTrue(s.matches("(?s).*__fish_seen_subcommand_from ssh stop start upgrade switch rollback rm remove inspect logs console export get' -a '\\(__pb_vm_names\\)'.*"), s);
        assertTrue(s.contains("command $words[1] $args list --format name"), "names from pb list --format name");
    }

    @Test
    void completionScriptsAreGenerated() {
        CliRunner.Result bash = new CliRunner(dir).run("completion", "bash");
        assertEquals(0, bash.exit());
        assertTrue(bash.out().contains("complete -F"));
        CliRunner.Result zsh = new CliRunner(dir).run("completion", "zsh");
        assertTrue(zsh.out().startsWith("autoload -U +X compinit"));
    }
}
