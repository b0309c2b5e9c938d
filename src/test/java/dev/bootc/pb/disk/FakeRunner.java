package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * A ProcessRunner that runs nothing: it records each command and answers from a handler, which can also play
 * the program's side effects (write the disk, print lines). Lines it returns go to the listener and log too.
 */
final class FakeRunner implements ProcessRunner {
    final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    private final Function<Command, Reply> handler;

    FakeRunner(Function<Command, Reply> handler) {
        this.handler = handler;
    }

    @Override
    public ProcessResult run(Command command) {
        calls.add(command.argv());
        Reply r = handler.apply(command);
        if (r == null) r = Reply.ok("");
        try {
            if (command.log() != null) {
                Files.writeString(command.log(), "$ " + command.display() + "\n" + r.stdout + r.stderr,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (command.listener() != null) {
            r.stdout.lines().forEach(l -> command.listener().line(Command.Stream.STDOUT, l));
            r.stderr.lines().forEach(l -> command.listener().line(Command.Stream.STDERR, l));
        }
        return new ProcessResult(command, r.exit, r.stdout, r.stderr, Duration.ofMillis(1), false);
    }

    /** The calls whose argument list starts with these words. */
    List<List<String>> callsStartingWith(String... words) {
        List<String> prefix = List.of(words);
        synchronized (calls) {
            return calls.stream().filter(c -> c.size() >= prefix.size() && c.subList(0, prefix.size()).equals(prefix)).toList();
        }
    }

    static boolean starts(Command c, String... words) {
        List<String> prefix = List.of(words);
        return c.argv().size() >= prefix.size() && c.argv().subList(0, prefix.size()).equals(prefix);
    }

    record Reply(int exit, String stdout, String stderr) {
        static Reply ok(String stdout) {
            return new Reply(0, stdout, "");
        }

        static Reply of(ProcessResult r) {
            return new Reply(r.exitCode(), r.stdout(), r.stderr());
        }

        static Reply fail(int exit, String stderr) {
            return new Reply(exit, "", stderr);
        }
    }
}
