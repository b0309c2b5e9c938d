package dev.bootc.pb.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * No test waits for a condition by a loop of its own around a sleep: Awaitility says what is awaited, how long and
 * how often in one line, and fails with that (issue 25). A sleep that lets time pass on purpose (nothing must happen
 * meanwhile) is no loop and stays. Benchmarks (package bench) measure their own waits.
 */
class TestWaitsTest {
    /** A loop whose condition or body sleeps until a deadline: {@code while (... < deadline) ... sleep(...)}. */
    static final Pattern LOOP_ON_DEADLINE = Pattern.compile("(while|for)\\s*\\([^;{]*deadline");
    static final Pattern LOOP_THEN_SLEEP = Pattern.compile("while\\s*\\(.*\\)\\s*(Thread\\.)?sleep\\(");

    @Test
    void noTestWaitsByAHandWrittenSleepLoop() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            files.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/bench/")).forEach(p -> {
                try {
                    List<String> lines = Files.readAllLines(p);
                    for (int i = 0; i < lines.size(); i++) {
                        String l = lines.get(i);
                        String t = l.strip();
                        if (t.startsWith("*") || t.startsWith("/*") || t.startsWith("//")) continue;
                        if (LOOP_ON_DEADLINE.matcher(l).find() || LOOP_THEN_SLEEP.matcher(l).find()) found.add(p + ":" + (i + 1) + ": " + l.strip());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        assertEquals(List.of(), found, "wait with Awaitility (await().atMost(...).until(...)) instead");
    }
}
