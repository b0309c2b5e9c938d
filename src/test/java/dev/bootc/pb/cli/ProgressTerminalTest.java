package dev.bootc.pb.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The progress of {@code pb run} as a person sees it: under {@code script} (a real pseudo-terminal as
 * stderr) one live line per step, redrawn, with a spinner, the elapsed time, podman's pull progress and
 * the guest's last console line, colours unless NO_COLOR; through a pipe, timestamped plain lines.
 */
class ProgressTerminalTest {
    static final String ESC = "\u001b";
    @TempDir
    Path dir;

    @Test
    void onATerminalOneLiveLinePerStepInColour() throws Exception {
        String tty = underScript(Map.of("TERM", "xterm-256color", "COLUMNS", "120"), "run", "-B", "--name", "demo", "quay.io/demo/bootc:1");
        assertTrue(tty.contains("\r" + ESC + "[2K"), "the line is redrawn in place: " + visible(tty));
        assertTrue(List.of(ProgressLine.SPINNER).stream().filter(tty::contains).count() >= 3, "a spinner turns: " + visible(tty));
        assertTrue(tty.contains("Copying blob 4f4fb700ef54 done"), "podman's pull progress on the live line: " + visible(tty));
        assertTrue(tty.contains("Reached target multi-user.target"), "the guest's last console line while SSH is awaited: " + visible(tty));
        assertFalse(tty.contains("[0;32m  OK"), "the console's own escapes are dropped from the line");
        assertTrue(tty.matches("(?s).*" + ESC + "\\[32m✓" + ESC + "\\[0m Building disk " + ESC + "\\[2m1\\.[2-9]s" + ESC + "\\[0m\r?\n.*"),
                "a finished step stays as one line with its time: " + visible(tty));
        assertTrue(tty.matches("(?s).*Waiting for SSH on 127\\.0\\.0\\.1:40022 " + ESC + "\\[2m\\d+\\.\\ds.*"), visible(tty));
        assertTrue(tty.contains("VM demo is running"), visible(tty));
        assertFalse(tty.matches("(?s).*\\[ *\\d+\\.\\ds] Pulling.*"), "no timestamped plain lines on a terminal");
    }

    @Test
    void noColorKeepsTheLiveLineWithoutColours() throws Exception {
        String tty = underScript(Map.of("TERM", "xterm", "NO_COLOR", "1"), "run", "-B", "--name", "demo", "quay.io/demo/bootc:1");
        assertTrue(tty.contains("\r" + ESC + "[2K"), visible(tty));
        assertTrue(tty.contains("✓ Building disk 1."), visible(tty));
        assertFalse(tty.matches("(?s).*" + ESC + "\\[[0-9;]*m.*"), "no colour code at all: " + visible(tty));
    }

    @Test
    void throughAPipeTimestampedLinesWithTheToolsOutputAndNoEscapes() throws Exception {
        Process p = new ProcessBuilder(java("run", "-B", "--name", "demo", "quay.io/demo/bootc:1")).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertFalse(err.contains(ESC) || err.contains("\r"), err);
        assertTrue(err.matches("(?s)\\[ *0\\.\\ds] Pulling image quay\\.io/demo/bootc:1\n.*"), err);
        assertTrue(err.contains("s]   Copying blob 4f4fb700ef54 done\n"), "the tool's output, indented: " + err);
        assertTrue(err.matches("(?s).*\\[ *[12]\\.\\ds] Building disk\n.*"), err);
        assertFalse(err.contains("Reached target"), "console lines only on the live line");
    }

    private String underScript(Map<String, String> env, String... args) throws Exception {
        String line = String.join(" ", java(args).stream().map(a -> "'" + a + "'").toList());
        ProcessBuilder b = new ProcessBuilder("script", "-qefc", line, "/dev/null");
        b.environment().remove("NO_COLOR");
        b.environment().remove("COLUMNS");
        b.environment().putAll(env);
        b.redirectErrorStream(true);
        b.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), visible(out));
        return out;
    }

    private List<String> java(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ProgressDemoMain.class.getName(), dir.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String visible(String s) {
        return s.replace(ESC, "<ESC>").replace("\r", "<CR>");
    }
}
