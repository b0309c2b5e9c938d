package dev.bootc.pb.ssh;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.port.Ssh.Target;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code pb ssh}: runs OpenSSH's client against a VM with the VM's key and a per-VM known_hosts, so
 * the guest's host key is pinned on first contact and a changed one is refused. stdin and stdout
 * are the caller's; stderr passes through too, watched for the host-key-changed error so it can be
 * explained.
 *
 * <p>A single command argument is a shell command line, as with ssh ({@code "ls | wc -l"}); several
 * arguments are one command's argv and are quoted for the remote shell, so
 * {@code sh -c 'exit 7'} runs what it says and returns 7.
 */
public final class SshConnector {
    public static final Path SSH = Path.of("/usr/bin/ssh");
    /** An IPv4 or IPv6 literal: a target's host comes from a VM's status, so never a name or anything ssh reads as an option. */
    static final String ADDRESS_PATTERN = "^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$";
    static final String KEY_CHANGED_MARK = "REMOTE HOST IDENTIFICATION HAS CHANGED";

    private final Path ssh;
    private final PrintStream err;

    public SshConnector() {
        this(SSH, System.err);
    }

    public SshConnector(Path ssh, PrintStream err) {
        this.ssh = ssh;
        this.err = err;
    }

    /** The ssh argument list; {@code tty} asks for a terminal when there is no command. */
    public List<String> command(Target t, List<String> remoteCommand, boolean tty) {
        List<String> args = new ArrayList<>(List.of(ssh.toString(),
                "-i", t.privateKey().toString(),
                "-p", Integer.toString(t.port()),
                "-o", "UserKnownHostsFile=" + t.knownHosts(),
                "-o", "StrictHostKeyChecking=accept-new",
                "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR",
                "-F", "/dev/null"));
        boolean interactive = remoteCommand.isEmpty() && tty;
        args.add(interactive ? "-t" : "-T");
        args.add("-l");
        args.add(t.user());
        if (t.host() == null || !t.host().matches(ADDRESS_PATTERN)) {
            throw new IllegalArgumentException("not an IP address to SSH to: " + t.host());
        }
        args.add(t.host());
        if (!remoteCommand.isEmpty()) {
            args.add("--");
            args.add(remoteCommandLine(remoteCommand));
        }
        return args;
    }

    /** What the remote shell runs: one argument verbatim, several quoted one by one. */
    static String remoteCommandLine(List<String> argv) {
        if (argv.size() == 1) return argv.get(0);
        List<String> quoted = new ArrayList<>();
        for (String a : argv) quoted.add(shellQuote(a));
        return String.join(" ", quoted);
    }

    static String shellQuote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) return s;
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }

    /**
     * Runs ssh with the caller's stdin and stdout (a terminal when there is one and no command),
     * and returns its exit status: the remote command's, or 255 when ssh itself failed.
     */
    public int run(Target t, List<String> remoteCommand) {
        return run(t, remoteCommand, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);
    }

    /** As {@link #run(Target, List)}, with stdin and stdout redirected as given (tests, scripts). */
    public int run(Target t, List<String> remoteCommand, ProcessBuilder.Redirect stdin, ProcessBuilder.Redirect stdout) {
        if (!Files.isExecutable(ssh)) {
            throw Failure.SshMissing.with(ssh + " not found: install openssh-client");
        }
        try {
            // ssh would make known_hosts with the umask's mode (0644); it appends to one that exists and keeps its mode
            FileModes.privateFile(t.knownHosts());
        } catch (IOException e) {
            throw Failure.SshFailed.with("cannot create " + t.knownHosts() + ": " + e.getMessage(), e);
        }
        boolean tty = System.console() != null && stdin == ProcessBuilder.Redirect.INHERIT;
        ProcessBuilder pb = new ProcessBuilder(command(t, remoteCommand, tty));
        pb.redirectInput(stdin);
        pb.redirectOutput(stdout);
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw Failure.SshFailed.with("cannot run " + ssh + ": " + e.getMessage(), e);
        }
        StderrWatch watch = new StderrWatch(p.getErrorStream(), err);
        watch.start();
        int status;
        try {
            status = p.waitFor();
            watch.join();
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            return ExitCodes.SSH_FAILED;
        }
        if (status == ExitCodes.SSH_FAILED && watch.keyChanged()) {
            err.println("pb: the VM's SSH host key is not the one pinned at first contact (" + t.knownHosts()
                    + "). If the VM was re-created, delete that file and connect again; otherwise someone may be"
                    + " intercepting the connection.");
        }
        return status;
    }

    /** What a command run by {@link #capture} gave: its status (255: ssh failed or timed out) and the end of its output. */
    public record Captured(int exitCode, String output) {
    }

    /**
     * Runs {@code remoteCommand} (a shell command line, verbatim) with no terminal and nothing on stdin, collecting stdout
     * and stderr together (the last {@link #CAPTURE_BYTES} bytes), as pb's own work in a guest does (the caller's
     * terminal plays no part). The host key is pinned as for {@link #run}; ssh is killed when {@code timeout} passes.
     */
    public Captured capture(Target t, String remoteCommand, java.time.Duration timeout) {
        // a guest that accepts the connection and then says nothing must not hold a reconcile for the whole timeout
        List<String> args = batchCommand(t, remoteCommand, "ConnectTimeout=20", "ServerAliveInterval=15");
        ProcessBuilder pb = new ProcessBuilder(args)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw Failure.SshFailed.with("cannot run " + ssh + ": " + e.getMessage(), e);
        }
        Tail tail = new Tail(p.getInputStream());
        tail.start();
        try {
            if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                tail.join(1000);
                return new Captured(ExitCodes.SSH_FAILED, tail.text() + "\n(pb: no end within " + timeout.toSeconds() + " s)");
            }
            tail.join(5000);
            String out = tail.text();
            if (p.exitValue() == ExitCodes.SSH_FAILED && out.contains(KEY_CHANGED_MARK)) {
                out = "the VM's SSH host key is not the one pinned at first contact (" + t.knownHosts() + ")";
            }
            return new Captured(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("interrupted while running a command over SSH");
        }
    }

    static final int CAPTURE_BYTES = 16 * 1024;

    /** Reads a stream to its end, keeping its last {@link #CAPTURE_BYTES} bytes. */
    private static final class Tail extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        Tail(InputStream in) {
            super("ssh-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (kept) {
                        kept.write(buf, 0, n);
                        if (kept.size() > 2 * CAPTURE_BYTES) {
                            byte[] all = kept.toByteArray();
                            kept.reset();
                            kept.write(all, all.length - CAPTURE_BYTES, CAPTURE_BYTES);
                        }
                    }
                }
            } catch (IOException e) {
                // ssh went away: what came is what there is
            }
        }

        String text() {
            synchronized (kept) {
                byte[] all = kept.toByteArray();
                int from = Math.max(0, all.length - CAPTURE_BYTES);
                return new String(all, from, all.length - from, StandardCharsets.UTF_8);
            }
        }

    }

    /**
     * Runs one command line in the guest with no terminal and no input, its output captured (pb's own commands:
     * {@code bootc status --json}, the update's steps). Status 255 when ssh failed or the timeout ended it.
     */
    public dev.bootc.pb.port.Ssh.Exec exec(Target t, String commandLine, java.time.Duration timeout) {
        // a guest that stops answering (a reboot under the command) is noticed in seconds, not at TCP's timeout
        List<String> argv = batchCommand(t, commandLine, "ConnectTimeout=10", "ServerAliveInterval=5", "ServerAliveCountMax=3");
        dev.bootc.pb.os.ProcessResult r = dev.bootc.pb.os.ProcessRunner.local().run(dev.bootc.pb.os.Command.of(argv).timeout(timeout));
        return new dev.bootc.pb.port.Ssh.Exec(r.timedOut() ? ExitCodes.SSH_FAILED : r.exitCode(), r.stdout(), r.stderr());
    }

    /** ssh's argv for pb's own command in a guest (no terminal; the host key pinned), with these {@code -o} options. */
    private List<String> batchCommand(Target t, String commandLine, String... options) {
        if (!Files.isExecutable(ssh)) {
            throw Failure.SshMissing.with(ssh + " not found: install openssh-client");
        }
        try {
            FileModes.privateFile(t.knownHosts());
        } catch (IOException e) {
            throw Failure.SshFailed.with("cannot create " + t.knownHosts() + ": " + e.getMessage(), e);
        }
        List<String> argv = new ArrayList<>(command(t, List.of(commandLine), false));
        List<String> opts = new ArrayList<>();
        for (String o : options) opts.addAll(List.of("-o", o));
        argv.addAll(1, opts);
        return argv;
    }

    /** Copies ssh's stderr through as it comes, remembering whether the host key was refused. */
    private static final class StderrWatch extends Thread {
        private final InputStream in;
        private final OutputStream out;
        private final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private volatile boolean keyChanged;

        StderrWatch(InputStream in, OutputStream out) {
            super("ssh-stderr");
            setDaemon(true);
            this.in = in;
            this.out = out;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (!keyChanged && head.size() < 64 * 1024) {
                        head.write(buf, 0, n);
                        keyChanged = head.toString(StandardCharsets.UTF_8).contains(KEY_CHANGED_MARK);
                    }
                }
            } catch (IOException e) {
                // ssh went away; nothing left to copy
            }
        }

        boolean keyChanged() {
            return keyChanged;
        }
    }
}
