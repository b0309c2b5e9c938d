package dev.bootc.pb.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The operator image of {@code deploy/Containerfile}, built as an admin builds it and started through its own
 * entrypoint: it runs pb, and it carries what the installer VM needs (an untrusted tenant's image is built inside
 * one: QEMU, virtiofsd, unshare and mount), which {@code pb doctor} in it finds. No registry is reachable here, so
 * the Containerfile's base (Debian 12 slim) is a debootstrap of Debian 12 imported once and given with
 * {@code podman build --from}; the packages come from Debian's mirror as in a real build.
 */
class OperatorImageIT {
    static final Path PROJECT = Path.of("").toAbsolutePath();
    static final String BASE = "localhost/pb-test-debian:bookworm-minbase";
    static final String IMAGE = "localhost/pb-operator:test";
    static final Path BASE_ROOT = Path.of("/var/tmp/pb-operator-base/bookworm");

    record Run(int exit, String out) {
    }

    @AfterAll
    static void removeImage() throws Exception {
        run(List.of("podman", "rmi", "-f", IMAGE), 5);
    }

    @Test
    void theOperatorImageRunsItsEntrypointAndCarriesTheInstallerVmsTools() throws Exception {
        Prerequisites.requireFailsafe();
        assertTrue(Files.isRegularFile(PROJECT.resolve("target/quarkus-app/quarkus-run.jar")), "pb is packaged");
        ensureBase();
        long t0 = System.nanoTime();
        Run build = run(List.of("podman", "build", "--pull=never", "--network=host", "--from", BASE, "-f", "deploy/Containerfile",
                "-t", IMAGE, "."), 30);
        assertEquals(0, build.exit(), "podman build of deploy/Containerfile:\n" + tail(build.out()));
        System.out.printf("[operator image] built in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        Run version = run(List.of("podman", "run", "--rm", "--network=none", IMAGE, "version"), 5);
        assertEquals(0, version.exit(), "the entrypoint runs pb: " + version.out());
        assertTrue(version.out().startsWith("pb "), version.out());

        Run doctor = run(List.of("podman", "run", "--rm", "--network=none", IMAGE, "doctor"), 5);
        for (String tool : List.of("qemu-system-x86_64", "qemu-img", "podman", "virtiofsd (for --volume)", "ssh client")) {
            assertTrue(doctor.out().lines().anyMatch(l -> l.startsWith("ok") && l.contains(tool)), "pb doctor in the image finds " + tool + ":\n" + doctor.out());
        }
        Run tools = run(List.of("podman", "run", "--rm", "--network=none", "--entrypoint", "sh", IMAGE, "-c",
                "command -v unshare && command -v mount && command -v nsenter"), 5);
        assertEquals(0, tools.exit(), "the installer VM's host script needs unshare and mount: " + tools.out());
    }

    /** Debian 12 minbase, imported as the Containerfile's base; the debootstrap is kept under /var/tmp for later runs. */
    static void ensureBase() throws Exception {
        if (run(List.of("podman", "image", "exists", BASE), 1).exit() == 0) return;
        Path done = BASE_ROOT.resolveSibling("bookworm.done");
        if (!Files.exists(done)) {
            Files.createDirectories(BASE_ROOT.getParent());
            Run boot = run(List.of("debootstrap", "--variant=minbase", "bookworm", BASE_ROOT.toString(), mirror()), 20);
            assertEquals(0, boot.exit(), "debootstrap bookworm:\n" + tail(boot.out()));
            Files.writeString(done, "");
        }
        Run imported = run(List.of("sh", "-c", "tar -C " + BASE_ROOT + " -c . | podman import - " + BASE), 10);
        assertEquals(0, imported.exit(), imported.out());
    }

    /** The host's Debian mirror, as its apt sources name it (this machine reaches no other). */
    static String mirror() throws IOException {
        List<Path> sources = new ArrayList<>(List.of(Path.of("/etc/apt/sources.list")));
        Path d = Path.of("/etc/apt/sources.list.d");
        if (Files.isDirectory(d)) {
            try (var s = Files.list(d)) {
                s.sorted().forEach(sources::add);
            }
        }
        for (Path f : sources) {
            if (!Files.isRegularFile(f)) continue;
            for (String line : Files.readAllLines(f)) {
                String l = line.strip();
                if (l.startsWith("URIs:") && !l.contains("security")) return l.substring(5).strip().split("\\s+")[0];
                if (l.startsWith("deb ") && !l.contains("security")) return l.split("\\s+")[l.split("\\s+")[1].startsWith("[") ? 2 : 1];
            }
        }
        return "http://deb.debian.org/debian";
    }

    static Run run(List<String> cmd, int minutes) throws Exception {
        Path out = Files.createTempFile("pb-operator-image", ".out");
        try {
            Process p = new ProcessBuilder(cmd).directory(PROJECT.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Run(-1, "timed out after " + minutes + " min: " + cmd + "\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static String tail(String text) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    }
}
