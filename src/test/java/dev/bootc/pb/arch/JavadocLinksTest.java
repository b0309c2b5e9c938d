package dev.bootc.pb.arch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DocumentationTool;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Every {@code {@link}}, {@code @see} and {@code @throws} in src/main names something that exists: the JDK's javadoc
 * with doclint's reference group over the main sources, on the test class path. (Seven links to exception classes
 * that had been removed went unnoticed before this ran in the build.)
 */
class JavadocLinksTest {
    @TempDir
    Path out;

    @Test
    void noJavadocReferenceIsBroken() throws IOException {
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        assertNotNull(javadoc, "the JDK's javadoc tool (a JDK, not a JRE)");
        List<String> args = new ArrayList<>(List.of("-quiet", "-Xdoclint:reference", "-Xmaxerrs", "1000",
                "-d", out.toString(), "-cp", System.getProperty("java.class.path")));
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).sorted().forEach(args::add);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);
        int rc = javadoc.run(null, ps, ps, args.toArray(String[]::new));
        String errors = log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("error:"))
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals("", errors, "broken Javadoc references");
        assertEquals(0, rc, log.toString(StandardCharsets.UTF_8));
    }
}
