package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalProcessRunnerTest {
    final ProcessRunner runner = ProcessRunner.local();

    @Test
    void capturesExitCodeAndBothOutputs() {
        ProcessResult r = runner.run(Command.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals(3, r.exitCode());
        assertEquals("out\n", r.stdout());
        assertEquals("err\n", r.stderr());
        assertFalse(r.ok());
        assertEquals("thing failed (exit 3): err", r.failureMessage("thing"));
    }

    @Test
    void argumentsAreNeverInterpretedByAShell() {
        ProcessResult r = runner.run(Command.of("echo", "$HOME", "a;b", "`id`"));
        assertEquals("$HOME a;b `id`\n", r.stdout());
    }

    @Test
    void streamsLinesToTheListenerAndTheLog(@TempDir Path tmp) throws IOException {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Path log = tmp.resolve("build.log");
        ProcessResult r = runner.run(Command.of("sh", "-c", "for i in 1 2 3; do echo step $i >&2; done; echo result")
                .onOutput((s, l) -> lines.add(s + " " + l)).log(log));
        assertTrue(r.ok());
        assertEquals(List.of("STDERR step 1", "STDERR step 2", "STDERR step 3"), lines.stream().filter(l -> l.startsWith("STDERR")).toList());
        assertTrue(lines.contains("STDOUT result"));
        String text = Files.readString(log);
        assertTrue(text.startsWith("$ sh -c 'for i in 1 2 3; do echo step $i >&2; done; echo result'\n"), text);
        assertTrue(text.contains("step 3\n") && text.contains("result\n") && text.contains("# exit 0"), text);
    }

    @Test
    void timeoutKillsTheProcessTree() {
        long start = System.nanoTime();
        ProcessResult r = runner.run(Command.of("sh", "-c", "sleep 30 & sleep 30; echo never").timeout(Duration.ofMillis(300)));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(r.timedOut());
        assertFalse(r.ok());
        assertTrue(ms < 5000, "returned after " + ms + " ms");
        assertTrue(r.failureMessage("sleeper").startsWith("sleeper timed out after 300ms"), r.failureMessage("sleeper"));
    }

    @Test
    void aMissingProgramNamesItsPackage() {
        PbException e = assertThrows(PbException.class, () -> runner.run(Command.of("/nonexistent/bin/podman", "version")));
        assertEquals(ExitCodes.FAILURE, e.exitCode());
        assertEquals("PodmanMissing", e.reason());
        assertEquals("podman is not installed (not found on PATH): install the podman package", e.getMessage());
        PbException q = assertThrows(PbException.class, () -> runner.run(Command.of("/nonexistent/qemu-img", "info")));
        assertEquals("QemuImgMissing", q.reason());
        assertTrue(q.getMessage().contains("qemu-utils"));
        PbException other = assertThrows(PbException.class, () -> runner.run(Command.of("pb-no-such-program-xyz")));
        assertEquals("ProgramMissing", other.reason());
        assertTrue(other.getMessage().startsWith("pb-no-such-program-xyz is not installed"));
    }
}
