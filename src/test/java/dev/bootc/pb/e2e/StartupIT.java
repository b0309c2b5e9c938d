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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A file-store verb starts as a plain program: the packaged pb, run as the launcher runs it, with the
 * JVM's class-load log on, loads no class of the Kubernetes client, Vert.x, Netty or the Operator SDK.
 */
class StartupIT {
    static final List<String> FORBIDDEN = List.of("io.fabric8.", "io.vertx.", "io.netty.", "io.javaoperatorsdk.");

    @TempDir
    Path dir;

    @Test
    void fileStoreVerbsLoadNoKubernetesClientVertxNettyOrOperatorSdk() throws Exception {
        Pb pb = new Pb(dir);
        for (String[] verb : new String[][] {{"list"}, {"list", "--format", "json"}, {"version"}, {"images"}, {"cache", "list"}}) {
            Path log = dir.resolve("classes-" + String.join("-", verb) + ".txt");
            List<String> cmd = new ArrayList<>(pb.command(verb));
            cmd.add(1, "-Xlog:class+load=info:file=" + log);
            ProcessBuilder b = pb.builder(verb).command(cmd).redirectErrorStream(true);
            b.environment().put("PB_LIBVIRT_URI", "test:///default");
            Process p = b.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            assertEquals(0, p.exitValue(), String.join(" ", verb) + ": " + out);
            List<String> loaded = classes(log);
            assertTrue(loaded.size() > 100, "the log has the classes: " + loaded.size());
            List<String> bad = loaded.stream().filter(c -> FORBIDDEN.stream().anyMatch(c::startsWith)).toList();
            assertEquals(List.of(), bad, "pb " + String.join(" ", verb) + " loaded " + bad.size() + " of " + loaded.size() + " classes it must not");
            System.out.printf("pb %s: %d classes loaded%n", String.join(" ", verb), loaded.size());
        }
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
