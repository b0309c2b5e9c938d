package dev.bootc.pb.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the packaged pb as a user would type it, in its own process, with its own store and state. */
public final class Pb {
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Path home;

    public Pb(Path home) {
        this.home = home;
    }

    public Path storeDir() {
        return home.resolve("store");
    }

    public Path dataDir() {
        return home.resolve("data");
    }

    /**
     * The {@code ./pb} launcher of this checkout, which users run: file-store verbs on the CLI's own class
     * path and archive, {@code --store kube} through quarkus-run.jar. The packaged build must be there.
     */
    public static Path launcher() {
        Path launcher = Path.of(System.getProperty("pb.launcher", "pb")).toAbsolutePath();
        Path app = launcher.getParent().resolve("target/quarkus-app");
        for (Path built : List.of(app.resolve("quarkus-run.jar"), app.resolve("cli/classpath"), app.resolve("cli/pb.jsa"))) {
            if (!Files.exists(built)) throw new AssertionError("pb is not built: " + built + " is missing (run ./mvnw package)");
        }
        return launcher;
    }

    public List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public ProcessBuilder builder(String... args) {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        Map<String, String> env = pb.environment();
        env.put("PB_STORE_DIR", storeDir().toString());
        env.put("PB_DATA_DIR", dataDir().toString());
        env.remove("PB_STORE");
        env.put("PB_REBUILD", "never"); // the build under test, never one the launcher would start
        env.remove("PB_JAVA_OPTS");
        // Several TCG guests boot at once on this 2-core machine (70 s alone, 170-340 s four at a time):
        // pb's default of 300 s is for one VM on a normal host.
        env.putIfAbsent("PB_SSH_TIMEOUT", "900");
        return pb;
    }

    /** The last lines of a VM's serial log, for a failure message. */
    public String serialTail(String vm, int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(dataDir().resolve("vms/default/" + vm + "/serial.log"),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())).replaceAll("\u001b\\[[0-9;]*[A-Za-z]", "");
        } catch (java.io.IOException e) {
            return "(no serial log: " + e.getMessage() + ")";
        }
    }

    public Result run(String... args) {
        return runWithInput(null, Duration.ofMinutes(20), args);
    }

    public Result runWithInput(String stdin, Duration timeout, String... args) {
        try {
            Process p = builder(args).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("pb " + String.join(" ", args) + " did not finish within " + timeout + "\n" + err.getNow(""));
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (IOException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a host program (virsh, qemu-img) and returns its stdout; fails the test on a non-zero exit. */
    public static String host(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = read(p.getInputStream());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
