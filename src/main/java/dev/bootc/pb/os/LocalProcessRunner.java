package dev.bootc.pb.os;

import dev.bootc.pb.api.Failure;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Starts real processes: output read on two threads, killed with its children at the timeout. */
final class LocalProcessRunner implements ProcessRunner {
    static final LocalProcessRunner INSTANCE = new LocalProcessRunner();

    /** Captured output beyond this is dropped from the middle; the log file still gets everything. */
    private static final int MAX_CAPTURE = 4 << 20;

    /** Which package provides a program, and the status reason when it is missing. */
    private record Program(Failure missing, String pkg) {
    }

    private static final Map<String, Program> PROGRAMS = Map.of(
            "podman", new Program(Failure.PodmanMissing, "podman"),
            "qemu-img", new Program(Failure.QemuImgMissing, "qemu-utils"),
            "qemu-system-x86_64", new Program(Failure.QemuMissing, "qemu-system-x86"),
            "losetup", new Program(Failure.ProgramMissing, "util-linux"));

    /** Processes still running, so that a JVM shutdown (Ctrl-C, SIGTERM) takes them down too. */
    private final Set<Process> running = ConcurrentHashMap.newKeySet();

    private LocalProcessRunner() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "pb-process-reaper"));
    }

    @Override
    public ProcessResult run(Command command) {
        long start = System.nanoTime();
        Writer log = openLog(command);
        ProcessBuilder pb = new ProcessBuilder(command.argv()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(command.env());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            closeQuietly(log);
            throw missingOrFailed(command, e);
        }
        running.add(p);
        try {
            Pump out = new Pump(p.getInputStream(), Command.Stream.STDOUT, command, log);
            Pump err = new Pump(p.getErrorStream(), Command.Stream.STDERR, command, log);
            out.start();
            err.start();
            boolean finished = p.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) killTree(p);
            int code = finished ? p.exitValue() : -1;
            // A grandchild may keep the pipes open after the program exits: do not wait for it forever.
            out.join(5000);
            err.join(5000);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (log != null) {
                synchronized (log) {
                    log.write("# " + (finished ? "exit " + code : "timed out after " + Durations.human(command.timeout()))
                            + " in " + Durations.human(elapsed) + "\n");
                }
            }
            return new ProcessResult(command, code, out.text(), err.text(), elapsed, !finished);
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with(command.program() + " was interrupted: " + command.display());
        } catch (IOException e) {
            throw Failure.LogWriteFailed.with("cannot write log " + command.log() + ": " + e.getMessage(), e);
        } finally {
            running.remove(p);
            closeQuietly(log);
        }
    }

    /**
     * On JVM exit (Ctrl-C, SIGTERM): SIGTERM first, so that {@code podman run} passes the signal on to its
     * container and removes it; SIGKILL what is still alive after a moment.
     */
    private void stopAll() {
        running.forEach(Process::destroy);
        long deadline = System.currentTimeMillis() + 3000;
        for (Process p : running) {
            try {
                p.waitFor(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
        }
        running.forEach(LocalProcessRunner::killTree);
    }

    static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static dev.bootc.pb.api.PbException missingOrFailed(Command command, IOException e) {
        String program = command.program();
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("error=2,") || msg.contains("No such file")) {
            String name = program.substring(program.lastIndexOf('/') + 1);
            Program known = PROGRAMS.get(name);
            Failure failure = known != null ? known.missing() : Failure.ProgramMissing;
            String hint = known != null ? "install the " + known.pkg() + " package" : "install it or put it on PATH";
            return failure.with(name + " is not installed (not found on PATH): " + hint, e);
        }
        return Failure.ProgramFailed.with("cannot run " + program + ": " + msg, e);
    }

    private static Writer openLog(Command command) {
        if (command.log() == null) return null;
        try {
            Writer w = Files.newBufferedWriter(command.log(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            w.write("$ " + command.display() + "\n");
            w.flush();
            return w;
        } catch (IOException e) {
            throw Failure.LogWriteFailed.with("cannot write log " + command.log() + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Writer w) {
        if (w == null) return;
        try {
            synchronized (w) {
                w.close();
            }
        } catch (IOException ignored) {
            // the log is a convenience; the result carries the output anyway
        }
    }

    /** Reads one output stream line by line into a buffer, the log and the listener. */
    private static final class Pump extends Thread {
        private final InputStream in;
        private final Command.Stream stream;
        private final Command command;
        private final Writer log;
        private final StringBuilder text = new StringBuilder();
        private boolean truncated;

        Pump(InputStream in, Command.Stream stream, Command command, Writer log) {
            super("pb-" + command.program().replaceAll(".*/", "") + "-" + stream.name().toLowerCase());
            setDaemon(true);
            this.in = in;
            this.stream = stream;
            this.command = command;
            this.log = log;
        }

        @Override
        public void run() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    append(line);
                    if (log != null) {
                        synchronized (log) {
                            log.write(line);
                            log.write('\n');
                            log.flush();
                        }
                    }
                    if (command.listener() != null) {
                        try {
                            command.listener().line(stream, line);
                        } catch (RuntimeException ignored) {
                            // a broken listener must not stop the program's output from being read
                        }
                    }
                }
            } catch (IOException ignored) {
                // the stream closes when the process is killed; what was read so far is kept
            }
        }

        private synchronized void append(String line) {
            if (text.length() + line.length() + 1 > MAX_CAPTURE) {
                // keep the tail: errors are at the end
                int cut = Math.max(text.length() / 2, line.length() + 1);
                text.delete(0, Math.min(cut, text.length()));
                truncated = true;
            }
            text.append(line).append('\n');
        }

        synchronized String text() {
            return truncated ? "[output truncated]\n" + text : text.toString();
        }
    }
}
