package dev.bootc.pb.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Argo CD health check (deploy/argocd/health.lua) run by Debian's Lua 5.4 (Argo CD's gopher-lua
 * implements 5.1; the script keeps to what both have) against sample BootcVms, as Argo CD runs it:
 * the resource as the global {@code obj}, the returned table read.
 */
class ArgoHealthTest {
    static final Path SCRIPT = Path.of("deploy/argocd/health.lua");
    static final ObjectMapper JSON = new ObjectMapper();
    static Path lua;

    @BeforeAll
    static void lua() throws Exception {
        lua = Path.of("/usr/bin/lua5.4");
        if (!Files.isExecutable(lua)) {
            int rc = new ProcessBuilder("apt-get", "install", "-y", "-qq", "lua5.4").inheritIO().start().waitFor();
            if (rc != 0 || !Files.isExecutable(lua)) throw new AssertionError("Lua 5.4 is missing and apt-get install lua5.4 failed (exit " + rc + ")");
        }
    }

    static String health(String objJson) throws Exception {
        String harness = "obj = " + luaTable(JSON.readTree(objJson)) + "\n"
                + "local hs = assert(loadfile('" + SCRIPT.toAbsolutePath() + "'))()\n"
                + "io.write(hs.status, '|', hs.message or '')\n";
        Process p = new ProcessBuilder(lua.toString(), "-").redirectErrorStream(true).start();
        p.getOutputStream().write(harness.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** A JSON value as a Lua constructor (what Argo CD hands the script). */
    static String luaTable(JsonNode n) {
        if (n.isObject()) {
            StringBuilder sb = new StringBuilder("{");
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                sb.append("[\"").append(e.getKey()).append("\"]=").append(luaTable(e.getValue())).append(',');
            }
            return sb.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder("{");
            n.forEach(x -> sb.append(luaTable(x)).append(','));
            return sb.append('}').toString();
        }
        if (n.isTextual()) return "\"" + n.asText().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        if (n.isNull()) return "nil";
        return n.asText();
    }

    static String vm(long generation, String status) {
        return "{\"apiVersion\":\"bootc.dev/v1alpha1\",\"kind\":\"BootcVm\",\"metadata\":{\"name\":\"vm\",\"generation\":" + generation
                + "},\"spec\":{\"image\":\"img\"" + (status.contains("Stopped") ? ",\"runStrategy\":\"Halted\"" : "") + "}"
                + (status.isEmpty() ? "" : ",\"status\":" + status) + "}";
    }

    static String status(String phase, long observed, String readyStatus, String message) {
        return "{\"phase\":\"" + phase + "\",\"observedGeneration\":" + observed + ",\"conditions\":[{\"type\":\"Ready\",\"status\":\""
                + readyStatus + "\",\"reason\":\"x\",\"message\":\"" + message + "\"}]}";
    }

    @Test
    void readyIsHealthyFailedIsDegradedHaltedIsSuspendedAndTheRestProgresses() throws Exception {
        assertEquals("Progressing|Waiting for the VM", health(vm(1, "")));
        assertEquals("Healthy|VM is running: pb ssh vm", health(vm(1, status("Running", 1, "True", "VM is running: pb ssh vm"))));
        assertEquals("Progressing|VM is booting", health(vm(1, status("Starting", 1, "False", "VM is booting"))));
        assertEquals("Progressing|Building the base disk", health(vm(1, status("BuildingDisk", 1, "False", "Building the base disk"))));
        assertEquals("Degraded|image x not found", health(vm(1, status("Failed", 1, "False", "image x not found"))));
        assertEquals("Suspended|runStrategy is Halted: pb start vm", health(vm(1, status("Stopped", 1, "False", "runStrategy is Halted: pb start vm"))));
        String updating = "{\"phase\":\"Updating\",\"observedGeneration\":2,\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                + "\"message\":\"VM is running\"},{\"type\":\"Updating\",\"status\":\"True\",\"message\":\"Updating in place to img:2\"}]}";
        assertEquals("Progressing|Updating in place to img:2", health(vm(2, updating)));
        String rolledBack = "{\"phase\":\"Running\",\"observedGeneration\":2,\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
                + "\"message\":\"VM is running\"},{\"type\":\"UpdateFailed\",\"status\":\"True\",\"message\":\"Update to img:2 failed\"}]}";
        assertEquals("Degraded|Update to img:2 failed", health(vm(2, rolledBack)), "the image asked for does not run");
        assertEquals("Progressing|A change of the spec is not applied yet", health(vm(2, status("Running", 1, "True", "VM is running"))),
                "a Ready status of an older generation is not healthy yet");
    }

    @Test
    void theConfigMapCarriesTheScriptAsItIs() throws IOException {
        String cm = Files.readString(Path.of("deploy/argocd/argocd-cm.yaml"));
        String embedded = cm.substring(cm.indexOf("resource.customizations.health.bootc.dev_BootcVm: |") + 52).lines()
                .map(l -> l.startsWith("    ") ? l.substring(4) : l).collect(Collectors.joining("\n")).strip();
        assertEquals(Files.readString(SCRIPT).strip(), embedded, "regenerate argocd-cm.yaml from health.lua");
        assertTrue(List.of(Files.readString(SCRIPT).split("\n")).stream().noneMatch(l -> l.contains("goto") || l.contains("//")),
                "keep to Lua 5.1, which Argo CD runs");
    }
}
