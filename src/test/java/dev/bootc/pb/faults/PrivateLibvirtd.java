package dev.bootc.pb.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A libvirtd and virtlogd of the host's own binaries beside the host's, for a test that kills libvirtd: its
 * sockets, run state, domain configs and caches live in a folder of its own, bound over libvirt's paths in a
 * mount namespace of its own ({@code unshare -m}), so killing and restarting it touches neither the host's
 * libvirtd nor the VMs of the classes running beside it. Disks, firmware and logs stay where they are (pb's images
 * folder, {@code /var/log/libvirt/qemu}). A restart (a new namespace) binds the same folders, so it finds the
 * QEMUs it left running, as the host's libvirtd does after a restart.
 */
final class PrivateLibvirtd implements AutoCloseable {
    /** libvirt's folder in the namespace -> this daemon's own, under {@link #dir}. */
    private static final List<String[]> BINDS = List.of(
            new String[] {"/run/libvirt", "run"},
            new String[] {"/etc/libvirt/qemu", "etc"},
            new String[] {"/var/lib/libvirt/qemu", "lib"},
            new String[] {"/var/cache/libvirt", "cache"});

    private final Path dir;

    PrivateLibvirtd(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("sock"));
        for (String[] bind : BINDS) {
            Path own = Files.createDirectories(dir.resolve(bind[1]));
            // the owner and mode libvirt gave its own folder (QEMU as libvirt-qemu passes through some)
            sh("chown --reference=" + bind[0] + " " + own + " && chmod --reference=" + bind[0] + " " + own);
        }
        Files.writeString(dir.resolve("libvirtd.conf"), String.join("\n",
                "unix_sock_dir = \"" + dir.resolve("sock") + "\"",
                "unix_sock_rw_perms = \"0700\"",
                "log_outputs = \"3:file:" + dir.resolve("libvirtd.log") + "\"", ""));
    }

    /** Its URI: the system driver, on this daemon's socket. */
    String uri() {
        return "qemu:///system?socket=" + dir.resolve("sock/libvirt-sock");
    }

    /** Starts virtlogd (unless it runs) and libvirtd (unless it runs), and waits until libvirtd answers. */
    void start() {
        StringBuilder script = new StringBuilder("set -e\n");
        for (String[] bind : BINDS) script.append("mount --bind ").append(dir.resolve(bind[1])).append(' ').append(bind[0]).append('\n');
        if (!alive("virtlogd.pid")) script.append("virtlogd -d -p ").append(dir.resolve("virtlogd.pid")).append('\n');
        if (!alive("libvirtd.pid")) {
            script.append("libvirtd -d -f ").append(dir.resolve("libvirtd.conf")).append(" -p ").append(dir.resolve("libvirtd.pid")).append('\n');
        }
        String out = run(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", script.toString()));
        await("the private libvirtd in " + dir + " answers (" + out.strip() + ")" + log()).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> exit(List.of("virsh", "-c", uri(), "uri")) == 0);
    }

    /** SIGKILLs libvirtd (not virtlogd, not the QEMUs) and waits until it is gone. */
    void kill() {
        long pid = pid("libvirtd.pid");
        if (pid <= 0) return;
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        await("libvirtd " + pid + " gone after SIGKILL").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> !running());
    }

    boolean running() {
        return alive("libvirtd.pid");
    }

    /** Stops both daemons (the VMs must be gone): the namespace goes with its last process. */
    @Override
    public void close() {
        for (String file : new String[] {"libvirtd.pid", "virtlogd.pid"}) {
            long pid = pid(file);
            if (pid > 0) ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy();
                p.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> p).join();
                p.destroyForcibly();
            });
        }
    }

    /** The end of its log, for a failure message. */
    String log() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("libvirtd.log"), StandardCharsets.UTF_8);
            return "\n--- " + dir.resolve("libvirtd.log") + "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private boolean alive(String pidFile) {
        long pid = pid(pidFile);
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && ProcessHandle.of(pid).flatMap(p -> p.info().command()).map(c -> c.endsWith(pidFile.replace(".pid", ""))).orElse(false);
    }

    private long pid(String pidFile) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(pidFile)).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static void sh(String command) {
        run(List.of("sh", "-c", command));
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static int exit(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
