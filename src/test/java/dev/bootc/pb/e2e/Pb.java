package dev.bootc.pb.e2e;

import dev.bootc.pb.reconcile.VmLayout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged pb as a user would type it, in its own process, with its own store and state. The consoles of
 * boots that fail are kept ({@link FailedBoots}): after a {@code run}, {@code start} or {@code apply} that exits
 * non-zero, and before every {@code rm} (a test's clean-up would delete them).
 */
public final class Pb {
    /** The verbs that boot VMs of the file store. */
    private static final Set<String> BOOTING = Set.of("run", "start", "apply");
    /** Global options that take a value: the verb is the first word that is neither one of these nor its value. */
    private static final Set<String> WITH_VALUE = Set.of("--store", "--store-dir", "-n", "--namespace", "--context", "-c", "--connect");

    /** @param kept where the logs of boots this command failed were kept */
    public record Result(int exit, String out, String err, List<Path> kept) {
        public Result(int exit, String out, String err) {
            this(exit, out, err, List.of());
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err
                    + (kept.isEmpty() ? "" : "--- serial and QEMU logs of the failed boot kept in " + kept + "\n");
        }
    }

    private final Path home;
    private final FailedBoots failedBoots;
    /** Set in every pb process this runs (over what the harness sets). */
    private final Map<String, String> env = new java.util.TreeMap<>();

    public Pb(Path home) {
        this(home, FailedBoots.HERE);
    }

    /** @param failedBoots where the logs of failed boots go */
    public Pb(Path home, FailedBoots failedBoots) {
        this.home = home;
        this.failedBoots = failedBoots;
    }

    /**
     * A class's pb on a home of its own (store, data, files it shares with guests), after the prerequisites: the
     * home may be passed through by QEMU (its user reaches shared folders under it) and by no one else's pb.
     */
    public static Pb onFreshHome(String prefix) throws IOException {
        Prerequisites.ensure();
        Path home = Files.createTempDirectory(prefix);
        home.toFile().setExecutable(true, false);
        return new Pb(home);
    }

    /** This store's pb with {@code name=value} in its environment: a case that needs pb's defaults (PB_SSH_TIMEOUT=300), say. */
    public Pb withEnv(String name, String value) {
        Pb other = new Pb(home, failedBoots);
        other.env.putAll(env);
        other.env.put(name, value);
        return other;
    }

    /** Where this pb keeps its store, data and the test's own files. */
    public Path home() {
        return home;
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
        // coverage: the JaCoCo agent failsafe was given for these processes (a test that sets PB_JAVA_OPTS itself opts out)
        String agent = System.getProperty("pb.coverage.agent", "");
        if (agent.startsWith("-javaagent:")) env.put("PB_JAVA_OPTS", agent);
        // Several TCG guests boot at once on this 2-core machine, from two classes at a time (70 s alone,
        // 170-340 s four at a time): pb's default of 300 s is for one VM on a normal host. RootlessIT keeps the default.
        env.putIfAbsent("PB_SSH_TIMEOUT", "900");
        env.putAll(this.env);
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
        String verb = verb(args);
        if (verb.equals("rm") || verb.equals("remove")) keepFailedBoots(0, "kept before: pb " + String.join(" ", args));
        // less a second: file times come from the kernel's coarse clock, which may lag behind this one by a tick
        long began = System.currentTimeMillis() - 1000;
        Result r;
        try {
            r = execute(stdin, timeout, args);
        } catch (AssertionError e) {
            if (!BOOTING.contains(verb)) throw e;
            List<Path> kept = keepFailedBoots(began, "pb " + String.join(" ", args) + "\n" + e.getMessage());
            throw kept.isEmpty() ? e : new AssertionError(e.getMessage() + "\n--- serial and QEMU logs kept in " + kept, e);
        }
        if (r.exit() == 0 || !BOOTING.contains(verb)) return r;
        List<Path> kept = keepFailedBoots(began, "pb " + String.join(" ", args) + "\n" + r);
        return kept.isEmpty() ? r : new Result(r.exit(), r.out(), r.err(), kept);
    }

    /** Keeps the logs of this store's boots that did not reach SSH, whose consoles wrote at or after {@code sinceMillis}. */
    public List<Path> keepFailedBoots(long sinceMillis, String why) {
        // the images root plays no part in where a VM's serial log is or what its domain is called
        VmLayout layout = VmLayout.of(VmLayout.FILE, dataDir(), home.resolve("images"));
        return failedBoots.keep(storeDir(), layout, sinceMillis, why);
    }

    private static String verb(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (WITH_VALUE.contains(args[i])) i++;
            else if (args[i].equals("--")) return "";
            else if (!args[i].startsWith("-")) return args[i];
        }
        return "";
    }

    private Result execute(String stdin, Duration timeout, String... args) {
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
