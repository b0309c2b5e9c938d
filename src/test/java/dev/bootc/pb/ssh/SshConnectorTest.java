package dev.bootc.pb.ssh;

import dev.bootc.pb.port.Ssh;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SshConnectorTest {
    final SshConnector connector = new SshConnector(Path.of("/usr/bin/ssh"), new PrintStream(PrintStream.nullOutputStream()));
    final Ssh.Target target = new Ssh.Target(20022, "root", Path.of("/var/lib/pb/vms/default/web/id_ed25519"), Path.of("/var/lib/pb/vms/default/web/known_hosts"));

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
}
