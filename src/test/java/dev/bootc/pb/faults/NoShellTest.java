package dev.bootc.pb.faults;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pb starts every process from an argument list, never through a shell: no {@code sh -c}, {@code bash -c},
 * {@code /bin/sh} or {@code Runtime.exec(String)} anywhere in src/main, where a value with {@code ;} or
 * {@code $(...)} in it would become a command. (ssh's remote command is the guest's business.)
 */
class NoShellTest {
    static final Path MAIN = Path.of("src/main");
    /** Ways to reach a shell: its path, its name followed by -c as separate arguments or in one string, exec of one string. */
    static final List<Pattern> SHELL = List.of(
            Pattern.compile("\"/(usr/)?bin/(ba|da|z|k)?sh\""),
            Pattern.compile("\"(ba|da|z|k)?sh\"\\s*,\\s*\"-c\""),
            Pattern.compile("\"(ba|da|z|k)?sh\\s+-c\\b"),
            Pattern.compile("\"-c\"\\s*,\\s*\"[^\"]*[;&|$`][^\"]*\""),
            Pattern.compile("Runtime\\.getRuntime\\(\\)\\.exec\\("),
            Pattern.compile("\\bexec\\(\\s*\"[^\"]*\\s[^\"]*\"\\s*\\)"));

    static List<String> offences(String file, String text) {
        List<String> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            for (Pattern p : SHELL) {
                if (p.matcher(lines[i]).find()) out.add(file + ":" + (i + 1) + ": " + lines[i].strip());
            }
        }
        return out;
    }

    @Test
    void noProcessOfPbIsStartedThroughAShell() throws IOException {
        assertTrue(Files.isDirectory(MAIN.resolve("java/dev/bootc/pb")), "run from the project folder");
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(MAIN)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                files++;
                found.addAll(offences(f.toString(), Files.readString(f)));
            }
        }
        assertTrue(files > 50, "scanned the sources: " + files);
        assertEquals(List.of(), found, "processes started through a shell: use Command.of(program, args...)");
    }

    @Test
    void theScanFindsEachFormOfAShell() {
        // the rule must bite: each of these lines is a shell command line
        for (String line : List.of("new ProcessBuilder(\"sh\", \"-c\", cmd)", "Command.of(\"bash\", \"-c\", \"podman run \" + image)",
                "run(\"/bin/sh\", script)", "Command.of(\"/usr/bin/bash\", \"-e\", script)", "Runtime.getRuntime().exec(cmd)", "pb.command(\"sh -c 'qemu-img info x'\")",
                "Command.of(\"/usr/bin/env\", \"-c\", \"a; b\")", "Command.of(\"zsh\", \"-c\", x)")) {
            assertEquals(1, offences("X.java", line).size(), line);
        }
        for (String line : List.of("Command.of(\"virsh\", \"-c\", uri, \"uri\")", "Command.of(\"podman\", \"run\", \"--rm\", image)",
                "@Option(names = {\"-c\", \"--connect\"})", "String sysusers = \"u \" + u + \" - \\\"pb SSH user\\\" \" + home + \" /bin/bash\\n\";")) {
            assertEquals(0, offences("X.java", line).size(), line);
        }
    }
}
