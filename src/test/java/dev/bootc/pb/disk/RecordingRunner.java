package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The real runner, remembering what it ran. */
final class RecordingRunner implements ProcessRunner {
    final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    private final ProcessRunner delegate = ProcessRunner.local();

    @Override
    public ProcessResult run(Command command) {
        calls.add(command.argv());
        return delegate.run(command);
    }

    long count(String... prefix) {
        List<String> p = List.of(prefix);
        synchronized (calls) {
            return calls.stream().filter(c -> c.size() >= p.size() && c.subList(0, p.size()).equals(p)).count();
        }
    }
}
