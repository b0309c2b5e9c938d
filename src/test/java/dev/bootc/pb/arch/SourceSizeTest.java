package dev.bootc.pb.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** No source file in src/main over 400 lines: a class that big does more than one thing (issue "One core"). */
class SourceSizeTest {
    static final int MAX_LINES = 400;

    @Test
    void noMainSourceFileIsOver400Lines() throws IOException {
        List<String> big;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            big = files.filter(p -> p.toString().endsWith(".java")).flatMap(p -> {
                try {
                    long n = Files.readAllLines(p).size();
                    return n > MAX_LINES ? Stream.of(p + " (" + n + " lines)") : Stream.empty();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
        assertEquals(List.of(), big, "split these: no class in src/main over " + MAX_LINES + " lines");
    }
}
