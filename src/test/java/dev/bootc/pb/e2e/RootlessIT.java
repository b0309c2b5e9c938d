package dev.bootc.pb.e2e;

import dev.bootc.pb.reconcile.VmLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * pb as an ordinary user, with no root anywhere after the host's set-up: the fixture image in the user's own
 * rootless podman storage, the base disk built in an installer VM, the VM on qemu:///session, every file under
 * the user's home. This test runs as root only to create the user and to become it (runuser, as a login
 * would); every pb command runs as the user.
 */
class RootlessIT {
    static final String USER = "pb-rootless";
    static final String VM = "rootless-e2e";

    @BeforeAll
    static void anOrdinaryUserWithTheImageInTheirOwnStorage() throws Exception {
        Prerequisites.ensure();
        assertEquals("root", System.getProperty("user.name"), "the rootless test creates a user: run the suite as root");
        Path launcher = Pb.launcher();
        for (Path p = launcher.getParent(); p != null; p = p.getParent()) {
            assertTrue(Files.isExecutable(p) && p.toFile().canRead(), p + " must be readable by other users for the rootless test");
        }
        if (sh("id " + USER).exit() != 0) {
            Run add = sh("useradd --create-home --shell /bin/bash " + USER);
            assertEquals(0, add.exit(), "useradd: " + add.out());
        }
        for (String group : List.of("kvm", "libvirt")) {
            if (sh("getent group " + group).exit() == 0) sh("usermod -aG " + group + " " + USER);
        }
        Run subids = sh("grep -q '^" + USER + ":' /etc/subuid && grep -q '^" + USER + ":' /etc/subgid");
        assertEquals(0, subids.exit(), "useradd gave " + USER + " no subordinate ids in /etc/subuid and /etc/subgid");
        // a first run: no VM of the user's and no cached base disk left by an earlier run of this test
        asUser("pb rm -f " + VM + " >/dev/null 2>&1; pb cache prune", Duration.ofMinutes(5));
        long t0 = System.nanoTime();
        Run load = sh("podman save " + Prerequisites.IMAGE + " | runuser -l " + USER + " -c 'podman load -q'");
        assertEquals(0, load.exit(), "loading the fixture into the user's rootless storage: " + load.out());
        System.out.printf("[rootless] fixture loaded into %s's rootless storage in %.1f s%n", USER, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        // a boot of the user's that failed: its console and QEMU log, before the rm deletes the serial log
        Path data = Path.of("/home", USER, ".local/share/pb");
        new FailedBoots(FailedBoots.HERE.into(), Path.of("/home", USER, ".cache/libvirt/qemu/log"))
                .keep(data.resolve("store"), new VmLayout(data, data.resolve("images")), 0, "kept before: pb rm -f " + VM + " as " + USER);
        asUser("pb rm -f " + VM + " >/dev/null 2>&1; pb cache prune", Duration.ofMinutes(5));
    }

    @Test
    void runSshStopStartRmAsAnOrdinaryUser() throws Exception {
        long t0 = System.nanoTime();
        Run run = asUser("pb run -B --name " + VM + " " + Prerequisites.IMAGE, Duration.ofMinutes(40));
        double runSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, run.exit(), "pb run as " + USER + ":\n" + run.out());
        assertTrue(run.out().contains("Booting an installer VM"), "the base disk was built in an installer VM:\n" + run.out());
        System.out.printf("[rootless] pb run -B as %s (first run, base disk built in an installer VM): %.1f s%n", USER, runSeconds);

        assertEquals(0, asUser("pb ssh " + VM + " -- true", Duration.ofMinutes(2)).exit());
        Run write = asUser("pb ssh " + VM + " -- 'echo kept-across-a-stop > /var/tmp/pb-rootless-mark && sync'", Duration.ofMinutes(2));
        assertEquals(0, write.exit(), write.out());
        Run stop = asUser("pb stop " + VM, Duration.ofMinutes(5));
        assertEquals(0, stop.exit(), stop.out());
        Run start = asUser("pb start " + VM, Duration.ofMinutes(20));
        assertEquals(0, start.exit(), start.out());
        Run read = asUser("pb ssh " + VM + " -- cat /var/tmp/pb-rootless-mark", Duration.ofMinutes(2));
        assertEquals(0, read.exit(), read.out());
        assertTrue(read.out().contains("kept-across-a-stop"), "the file written before the stop is there after the start: " + read.out());

        Run list = asUser("pb list", Duration.ofMinutes(1));
        assertTrue(list.out().contains(VM), list.out());
        Run session = asUser("virsh -c qemu:///session list --all --name", Duration.ofMinutes(1));
        assertTrue(session.out().contains("default_" + VM) || session.out().contains(VM), "the VM is on the user's qemu:///session: " + session.out());
        Run system = sh("virsh -c qemu:///system list --all --name");
        assertTrue(!system.out().contains(VM), "nothing of the user's on qemu:///system: " + system.out());

        Run rm = asUser("pb rm -f " + VM, Duration.ofMinutes(5));
        assertEquals(0, rm.exit(), rm.out());
        Run gone = asUser("pb list", Duration.ofMinutes(1));
        assertTrue(!gone.out().contains(VM), gone.out());

        Run rootOwned = sh("find /home/" + USER + " -user root -print");
        assertEquals("", rootOwned.out().strip(), "no root-owned file under the user's home");
    }

    record Run(int exit, String out) {
    }

    /** A shell command as the user, from a login shell (the user's own environment), in this checkout. */
    static Run asUser(String command, Duration timeout) throws Exception {
        String cd = "cd " + Pb.launcher().getParent() + " && export PB_REBUILD=never PATH=\"$PWD:$PATH\" && ";
        return run(List.of("runuser", "-l", USER, "-c", cd + command), timeout);
    }

    static Run sh(String command) throws Exception {
        return run(List.of("sh", "-c", command), Duration.ofMinutes(5));
    }

    static Run run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("pb-rootless", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Run(-1, "timed out after " + timeout + ": " + cmd + "\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            System.out.print(text.lines().filter(l -> !l.startsWith("[") || !l.contains("]   ")).map(l -> "[rootless] " + l + "\n")
                    .reduce("", String::concat));
            return new Run(p.exitValue(), text);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
