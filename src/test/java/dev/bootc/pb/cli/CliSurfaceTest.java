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
        for (String cmd : List.of("run", "ssh", "stop", "start", "rm", "inspect", "list", "apply", "get", "images",
                "operator", "completion", "version", "doctor", "cache")) {
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
                "--firmware", "--karg", "-R, --replace", "--pull")) {
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
    void completionScriptsAreGenerated() {
        CliRunner.Result bash = new CliRunner(dir).run("completion", "bash");
        assertEquals(0, bash.exit());
        assertTrue(bash.out().contains("complete -F"));
        CliRunner.Result zsh = new CliRunner(dir).run("completion", "zsh");
        assertTrue(zsh.out().startsWith("autoload -U +X compinit"));
    }
}
