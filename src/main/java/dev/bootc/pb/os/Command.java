package dev.bootc.pb.os;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One external program call: its arguments, how long it may take, where its output goes.
 *
 * @param argv     program and arguments, passed as they are (no shell)
 * @param timeout  how long the program may run before its process tree is killed
 * @param listener receives every output line as it comes, or null
 * @param log      file that receives the command line and every output line, or null
 * @param env      extra environment variables
 */
public record Command(List<String> argv, Duration timeout, OutputListener listener, Path log, Map<String, String> env) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) throw new IllegalArgumentException("empty command");
        Objects.requireNonNull(timeout, "timeout");
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    public static Command of(String... argv) {
        return of(Arrays.asList(argv));
    }

    public static Command of(List<String> argv) {
        return new Command(argv, DEFAULT_TIMEOUT, null, null, Map.of());
    }

    public Command timeout(Duration value) {
        return new Command(argv, value, listener, log, env);
    }

    public Command onOutput(OutputListener value) {
        return new Command(argv, timeout, value, log, env);
    }

    public Command log(Path value) {
        return new Command(argv, timeout, listener, value, env);
    }

    public Command env(String name, String value) {
        Map<String, String> m = new TreeMap<>(env);
        m.put(name, value);
        return new Command(argv, timeout, listener, log, m);
    }

    public String program() {
        return argv.get(0);
    }

    /** The command line as a person would type it; for messages and logs only, never executed. */
    public String display() {
        StringBuilder b = new StringBuilder();
        for (String a : argv) {
            if (b.length() > 0) b.append(' ');
            b.append(a.isEmpty() || a.matches(".*[\\s'\"$`\\\\|&;<>()*?].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
        }
        return b.toString();
    }

    /** Receives output lines while a program runs. */
    @FunctionalInterface
    public interface OutputListener {
        void line(Stream stream, String line);
    }

    /** Which of the program's outputs a line came from. */
    public enum Stream {
        STDOUT, STDERR
    }
}
