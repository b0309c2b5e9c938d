package dev.bootc.pb.ssh;

import dev.bootc.pb.port.Ssh;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SshConnectorTest {
    final SshConnector connector = new SshConnector(Path.of("/usr/bin/ssh"), new PrintStream(PrintStream.nullOutputStream()));
    final Ssh.Target target = new Ssh.Target("127.0.0.1", 20022, "root", Path.of("/var/lib/pb/vms/default/web/id_ed25519"), Path.of("/var/lib/pb/vms/default/web/known_hosts"));

    @Test
    void commandForACommand() {
        assertEquals(List.of("/usr/bin/ssh", "-i", "/var/lib/pb/vms/default/web/id_ed25519", "-p", "20022",
                "-o", "UserKnownHostsFile=/var/lib/pb/vms/default/web/known_hosts",
                "-o", "StrictHostKeyChecking=accept-new", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR", "-F", "/dev/null", "-T", "-l", "root", "127.0.0.1", "--", "sh -c 'exit 7'"),
                connector.command(target, List.of("sh", "-c", "exit 7"), true));
    }

    @Test
    void terminalOnlyWithoutCommandAndWithAConsole() {
        List<String> interactive = connector.command(target, List.of(), true);
        assertEquals(List.of("-t", "-l", "root", "127.0.0.1"), interactive.subList(interactive.size() - 4, interactive.size()));
        List<String> piped = connector.command(target, List.of(), false);
        assertEquals(List.of("-T", "-l", "root", "127.0.0.1"), piped.subList(piped.size() - 4, piped.size()));
        List<String> withCommand = connector.command(target, List.of("true"), true);
        assertEquals(List.of("-T", "-l", "root", "127.0.0.1", "--", "true"), withCommand.subList(withCommand.size() - 6, withCommand.size()));
    }

    @Test
    void oneArgumentIsAShellLineSeveralAreArgv() {
        assertEquals("ls | wc -l", SshConnector.remoteCommandLine(List.of("ls | wc -l")));
        assertEquals("echo 'a b' 'it'\"'\"'s' '$HOME' ''", SshConnector.remoteCommandLine(List.of("echo", "a b", "it's", "$HOME", "")));
        assertEquals("ls -la /tmp", SshConnector.remoteCommandLine(List.of("ls", "-la", "/tmp")));
    }

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    /** An ssh that prints its arguments and stdin and ends as the remote command says (its last argument). */
    SshConnector fake() throws Exception {
        Path ssh = tmp.resolve("ssh");
        Files.writeString(ssh, "#!/bin/sh\nfor a; do last=$a; done\necho \"args: $*\"\necho \"stdin: $(cat)\"\nsh -c \"$last\"\n");
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        return new SshConnector(ssh, new PrintStream(PrintStream.nullOutputStream()));
    }

    @Test
    void captureRunsAScriptInBatchModeWithNothingOnStdinAndKeepsItsOutputAndStatus() throws Exception {
        Ssh.Target t = new Ssh.Target("127.0.0.1", 20022, "root", tmp.resolve("id_ed25519"), tmp.resolve("known_hosts"));
        SshConnector.Captured r = fake().capture(t, "echo out; echo err >&2; exit 3", Duration.ofSeconds(20));
        assertEquals(3, r.exitCode());
        assertTrue(r.output().contains("-o ConnectTimeout=20 -o ServerAliveInterval=15 -i " + tmp.resolve("id_ed25519")), r.output());
        assertTrue(r.output().contains("-o BatchMode=yes"), r.output());
        assertTrue(r.output().contains("-T -l root 127.0.0.1 -- echo out;"), r.output());
        assertTrue(r.output().contains("stdin: \nout\nerr\n"), "nothing on stdin, stderr kept with stdout: " + r.output());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(t.knownHosts())), "host key pinned in a private file");
    }

    @Test
    void captureKillsWhatOutlivesItsTimeAndKeepsOnlyTheEndOfALongOutput() throws Exception {
        Ssh.Target t = new Ssh.Target("127.0.0.1", 20022, "root", tmp.resolve("id_ed25519"), tmp.resolve("known_hosts"));
        long t0 = System.nanoTime();
        SshConnector.Captured slow = fake().capture(t, "echo started; sleep 30", Duration.ofSeconds(1));
        assertEquals(255, slow.exitCode());
        assertTrue(slow.output().endsWith("(pb: no end within 1 s)"), slow.output());
        assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "killed at its timeout");
        SshConnector.Captured chatty = fake().capture(t, "seq 1 100000; echo last-line", Duration.ofSeconds(20));
        assertEquals(0, chatty.exitCode());
        assertTrue(chatty.output().length() <= SshConnector.CAPTURE_BYTES, "bounded: " + chatty.output().length());
        assertTrue(chatty.output().endsWith("100000\nlast-line\n"), chatty.output().substring(chatty.output().length() - 40));
    }
}
