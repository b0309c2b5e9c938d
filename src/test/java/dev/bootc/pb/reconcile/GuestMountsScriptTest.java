package dev.bootc.pb.reconcile;

import dev.bootc.pb.port.DomainSpec.SharedFolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The script pb runs as root in a systemd-252 guest, run here with sh against a folder standing for
 * /etc/systemd/system: the host's own realpath and systemd-escape (what the guest has too), and a systemctl that
 * records what it is asked and says "active" unless told otherwise.
 */
class GuestMountsScriptTest {
    @TempDir
    Path tmp;

    static final SharedFolder SHARE = new SharedFolder(Path.of("/srv/share"), "/mnt/my-share", false, "pb-vol0");
    static final SharedFolder RO = new SharedFolder(Path.of("/srv/ro"), "/var/it's ro", true, "pb-vol1");

    Path units;
    Path root;
    Path systemctlLog;
    Path inactive;

    record Run(int exit, String output) {
    }

    @org.junit.jupiter.api.BeforeEach
    void guest() throws IOException {
        units = Files.createDirectories(tmp.resolve("etc/systemd/system"));
        root = Files.createDirectories(tmp.resolve("root"));
        // the guest's /mnt is a link into /var, as on bootc images: the unit must name where it leads
        Files.createDirectories(root.resolve("var/mnt"));
        Files.createSymbolicLink(root.resolve("mnt"), Path.of("var/mnt"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        systemctlLog = tmp.resolve("systemctl.log");
        inactive = tmp.resolve("inactive");
        Files.writeString(bin.resolve("systemctl"), """
                #!/bin/sh
                echo "$*" >>'%s'
                case "$1 $2" in
                  "is-active --quiet") [ "$3" != "$(cat '%s' 2>/dev/null)" ] ;;
                  "show -P") echo "$3-value" ;;
                  *) exit 0 ;;
                esac
                """.formatted(systemctlLog, inactive));
        Files.writeString(bin.resolve("journalctl"), "#!/bin/sh\necho 'mount: wrong fs type'\n");
        for (String b : List.of("systemctl", "journalctl")) Files.setPosixFilePermissions(bin.resolve(b), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The script as pb sends it, its two guest paths pointed at this test's folders. */
    Run run(List<SharedFolder> folders) throws Exception {
        String script = GuestMounts.script(folders)
                .replace("dir=/etc/systemd/system", "dir='" + units + "'")
                .replace("where=$(realpath -m -- \"$2\")", "where=$(realpath -m -- '" + root + "'\"$2\"); where=${where#'" + root + "'}");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
        pb.environment().put("PATH", tmp.resolve("bin") + ":" + System.getenv("PATH"));
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    String log() throws IOException {
        return Files.exists(systemctlLog) ? Files.readString(systemctlLog) : "";
    }

    @Test
    void writesAnEnabledMountUnitPerFolderAtTheRealPathConditionedOnItsToken() throws Exception {
        Run r = run(List.of(SHARE, RO));
        assertEquals(0, r.exit(), r.output());
        String shareUnit = "var-mnt-my\\x2dshare.mount";
        assertEquals(List.of("var-it\\x27s\\x20ro.mount", shareUnit), names());
        assertEquals(GuestMounts.MARK + "\n[Unit]\nDescription=pb volume pb-vol0\nConditionCredential=" + GuestMounts.token(SHARE) + "\n\n"
                + "[Mount]\nWhat=pb-vol0\nWhere=/var/mnt/my-share\nType=virtiofs\nOptions=rw\n\n[Install]\nWantedBy=local-fs.target\n",
                Files.readString(units.resolve(shareUnit)));
        assertTrue(Files.readString(units.resolve("var-it\\x27s\\x20ro.mount")).contains("\nWhere=/var/it's ro\nType=virtiofs\nOptions=ro\n"));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(units.resolve(shareUnit))));
        String log = log();
        assertTrue(log.contains("daemon-reload\n"), log);
        assertTrue(log.contains("enable --quiet " + shareUnit + "\n"), log);
        assertTrue(log.contains("restart " + shareUnit + "\n"), "a new unit is (re)started: " + log);
        assertTrue(log.contains("is-active --quiet " + shareUnit + "\n"), "each mount is checked: " + log);
        assertTrue(r.output().contains("pb: mounted " + shareUnit), r.output());
    }

    @Test
    void anUnchangedUnitIsKeptAndOnlyStartedAUnitOfARemovedVolumeIsDisabledAndRemoved() throws Exception {
        assertEquals(0, run(List.of(SHARE, RO)).exit());
        Files.delete(systemctlLog);
        Files.writeString(units.resolve("other.mount"), "[Mount]\nWhat=x\n"); // the guest owner's: never touched
        Run again = run(List.of(SHARE));
        assertEquals(0, again.exit(), again.output());
        assertEquals(List.of("other.mount", "var-mnt-my\\x2dshare.mount"), names());
        String log = log();
        assertTrue(log.contains("disable --quiet --now var-it\\x27s\\x20ro.mount\n"), log);
        assertFalse(log.contains("restart var-mnt"), "an unchanged unit is not restarted: " + log);
        assertTrue(log.contains("start var-mnt-my\\x2dshare.mount\n"), log);
        assertFalse(log.contains("other.mount"), log);
    }

    @Test
    void aUnitOfThatNameThatPbDidNotWriteIsLeftAloneAndTheVolumeRefused() throws Exception {
        Files.writeString(units.resolve("var-mnt-my\\x2dshare.mount"), "[Mount]\nWhat=theirs\n");
        Run r = run(List.of(SHARE));
        assertEquals(3, r.exit(), r.output());
        assertTrue(r.output().contains("var-mnt-my\\x2dshare.mount is not pb's: volume /mnt/my-share is not mounted over it"), r.output());
        assertEquals("[Mount]\nWhat=theirs\n", Files.readString(units.resolve("var-mnt-my\\x2dshare.mount")));
    }

    @Test
    void aMountThatIsNotActiveAfterwardsFailsNamingItsPathAndWhatSystemdSaid() throws Exception {
        Files.writeString(inactive, "var-mnt-my\\x2dshare.mount");
        Run r = run(List.of(SHARE));
        assertEquals(3, r.exit(), r.output());
        String last = GuestMounts.lastLine(r.output());
        assertTrue(last.startsWith("volume Where-value is not mounted (var-mnt-my\\x2dshare.mount: Result-value, condition ConditionResult-value):"),
                last);
        assertTrue(last.endsWith("mount: wrong fs type"), last);
    }

    List<String> names() throws IOException {
        try (var s = Files.list(units)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
