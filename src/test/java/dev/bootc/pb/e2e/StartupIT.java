package dev.bootc.pb.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How pb starts, through the {@code ./pb} launcher as users run it: a file-store verb loads no class of
 * the Kubernetes client, Vert.x, Netty or the Operator SDK, and takes nearly all of its classes from the
 * build's class-data-sharing archive; {@code --store kube} goes through Quarkus' class path.
 */
class StartupIT {
    static final List<String> FORBIDDEN = List.of("io.fabric8.", "io.vertx.", "io.netty.", "io.javaoperatorsdk.");

    @TempDir
    Path dir;

    @Test
    void fileStoreVerbsLoadNoKubernetesClientVertxNettyOrOperatorSdk() throws Exception {
        Pb pb = new Pb(dir);
        for (String[] verb : new String[][] {{"list"}, {"list", "--format", "json"}, {"version"}, {"images"}, {"cache", "list"},
                {"inspect", "nothing-here"}, {"ssh", "nothing-here", "--", "true"}}) {
            Path log = dir.resolve("classes-" + String.join("-", verb) + ".txt");
            Started s = start(pb, log, verb);
            assertTrue(s.exit == 0 || verb[0].equals("inspect") || verb[0].equals("ssh"), String.join(" ", verb) + ": " + s.out);
            assertFalse(s.out.contains("Exception"), String.join(" ", verb) + ": " + s.out);
            List<String> loaded = classes(log);
            assertTrue(loaded.size() > 100, "the log has the classes: " + loaded.size());
            List<String> bad = loaded.stream().filter(c -> FORBIDDEN.stream().anyMatch(c::startsWith)).toList();
            assertEquals(List.of(), bad, "pb " + String.join(" ", verb) + " loaded " + bad.size() + " of " + loaded.size() + " classes it must not");
            long shared = Files.readAllLines(log).stream().filter(l -> l.contains("source: shared objects file")).count();
            System.out.printf("pb %s: %d classes loaded, %d from the archive%n", String.join(" ", verb), loaded.size(), shared);
        }
    }

    @Test
    void theCommonVerbsTakeTheirClassesFromTheBuildsArchive() throws Exception {
        Pb pb = new Pb(dir);
        Path log = dir.resolve("classes-list.txt");
        Started s = start(pb, log, "list");
        assertEquals(0, s.exit, s.out);
        List<String> lines = Files.readAllLines(log).stream().filter(l -> l.contains("[class,load]")).toList();
        long shared = lines.stream().filter(l -> l.contains("source: shared objects file")).count();
        // what cannot be archived on JDK 17: lambda forms spun at run time, proxies, JNA's generated classes
        assertTrue(shared >= lines.size() * 9 / 10, "pb list takes at least 90% of its classes from the archive: " + shared + " of " + lines.size()
                + " (a stale archive, or the launcher's class path differs from the build's?)");
    }

    @Test
    void theKubernetesStoreGoesThroughQuarkusClassPath() throws Exception {
        Pb pb = new Pb(dir);
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
                contexts: [{name: c, context: {cluster: c, user: u}}]
                users: [{name: u, user: {token: t}}]
                current-context: c
                """);
        for (List<String> how : List.of(List.of("--store", "kube", "list"), List.of("--store=kube", "list"), List.of("list"))) {
            Path log = dir.resolve("classes-kube.txt");
            ProcessBuilder b = pb.builder(how.toArray(String[]::new)).redirectErrorStream(true);
            b.environment().put("KUBECONFIG", kubeconfig.toString());
            if (how.size() == 1) b.environment().put("PB_STORE", "kube");
            b.environment().put("PB_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
            Process p = b.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            // nothing listens there: a clear error naming the API server, not a missing class
            assertTrue(p.exitValue() != 0, out);
            assertFalse(out.contains("NoClassDefFoundError") || out.contains("ClassNotFoundException"), how + ": " + out);
            assertTrue(classes(log).stream().anyMatch(c -> c.startsWith("io.fabric8.")), how + " ran with the Kubernetes client: " + out);
        }
    }

    @Test
    void startedOnTheShortClassPathWithTheKubernetesStorePbHandsOverToQuarkus() throws Exception {
        Path app = Pb.launcher().getParent().resolve("target/quarkus-app");
        String cp = Files.readString(app.resolve("cli/classpath")).strip().replace("@APP@", app.toString());
        Pb pb = new Pb(dir);
        ProcessBuilder b = pb.builder().command(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                "dev.bootc.pb.Main", "--store", "kube", "list").redirectErrorStream(true);
        b.environment().put("KUBECONFIG", dir.resolve("no-such-kubeconfig").toString());
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertTrue(p.exitValue() != 0, out);
        assertFalse(out.contains("NoClassDefFoundError") || out.contains("ClassNotFoundException"), out);
    }

    /** SSHD logs through slf4j: with the CLI's flags, slf4j finds its no-op provider and says nothing (pb run printed 10 lines of SLF4J errors once). */
    @Test
    void theClisFlagsKeepSlf4jQuiet() throws Exception {
        Path app = Pb.launcher().getParent().resolve("target/quarkus-app");
        String cp = Files.readString(app.resolve("cli/classpath")).strip().replace("@APP@", app.toString());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String f : Files.readString(app.resolve("cli/java-flags")).strip().split(" ")) cmd.add(f.replace("@APP@", app.toString()));
        cmd.addAll(List.of("-cp", cp + ":" + Path.of("target/test-classes").toAbsolutePath(), Slf4jProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals("ok", out.strip(), "slf4j printed something of its own with the CLI's flags");
    }

    record Started(int exit, String out) {
    }

    private Started start(Pb pb, Path log, String... verb) throws IOException, InterruptedException {
        ProcessBuilder b = pb.builder(verb).redirectErrorStream(true);
        b.environment().put("PB_LIBVIRT_URI", "test:///default");
        b.environment().put("PB_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new Started(p.exitValue(), out);
    }

    /** Class names from -Xlog:class+load lines like "[0.012s][info][class,load] java.lang.Object source: shared objects file". */
    static List<String> classes(Path log) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int i = line.indexOf("[class,load] ");
            if (i < 0) continue;
            String rest = line.substring(i + "[class,load] ".length());
            int sp = rest.indexOf(' ');
            out.add(sp < 0 ? rest : rest.substring(0, sp));
        }
        return out;
    }
}
