package dev.bootc.pb.cli;

import dev.bootc.pb.api.BootcVm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue acceptance: apply, get, stop, list, rm, get again on an empty file store. */
class ResourceLifecycleCliTest {
    static final String EXAMPLE = """
            apiVersion: bootc.dev/v1alpha1
            kind: BootcVm
            metadata:
              name: demo
            spec:
              image: localhost/pb-fixture:latest
              resources:
                memory: 1Gi
                cpus: 1
            """;

    @TempDir
    Path dir;

    @Test
    void applyGetStopListRm() throws Exception {
        CliRunner cli = new CliRunner(dir.resolve("store"));
        Path file = dir.resolve("demo.yaml");
        Files.writeString(file, EXAMPLE);
        CliRunner.Result applied = cli.run("apply", "-f", file.toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertEquals("bootcvm.bootc.dev/demo created\n", applied.out());

        JsonNode got = new ObjectMapper().readTree(cli.run("get", "demo", "-o", "json").out());
        assertEquals(1, got.at("/metadata/generation").asInt());
        assertFalse(got.at("/metadata/uid").asText().isEmpty());
        assertFalse(got.at("/metadata/creationTimestamp").asText().isEmpty());

        // a second apply of the same file changes nothing
        assertEquals("bootcvm.bootc.dev/demo unchanged\n", cli.run("apply", "-f", file.toString()).out());

        CliRunner.Result stopped = cli.run("stop", "demo");
        assertEquals(0, stopped.exit(), stopped.toString());
        JsonNode afterStop = new ObjectMapper().readTree(cli.run("get", "demo", "-o", "json").out());
        assertEquals("Halted", afterStop.at("/spec/runStrategy").asText());
        assertEquals(2, afterStop.at("/metadata/generation").asInt());
        assertEquals("Stopped", afterStop.at("/status/phase").asText(), "a Halted VM that never ran provisions nothing");

        JsonNode list = new ObjectMapper().readTree(cli.run("list", "--format", "json").out());
        assertEquals("demo", list.get(0).get("name").asText());
        String table = cli.run("list").out();
        assertTrue(table.startsWith("NAME"), table);
        String row = table.lines().skip(1).findFirst().orElseThrow();
        String[] fields = row.trim().split("\\s+");
        assertEquals("demo", fields[0]);
        assertEquals("false", fields[fields.length - 2], "RUNNING is the second-to-last field: " + row);

        CliRunner.Result rm = cli.run("rm", "-f", "demo");
        assertEquals(0, rm.exit(), rm.toString());
        CliRunner.Result gone = cli.run("get", "demo");
        assertEquals(3, gone.exit());
        assertTrue(gone.err().contains("demo"), gone.err());
    }

    @Test
    void rmAllWithNothingSucceeds() {
        CliRunner.Result r = new CliRunner(dir.resolve("store")).run("rm", "-f", "--all");
        assertEquals(0, r.exit(), r.toString());
    }

    @Test
    void unknownNamesExit3() {
        CliRunner cli = new CliRunner(dir.resolve("store"));
        for (String[] args : new String[][]{{"stop", "nope"}, {"start", "nope"}, {"inspect", "nope"}, {"rm", "nope"}, {"get", "nope"}}) {
            CliRunner.Result r = cli.run(args);
            assertEquals(3, r.exit(), String.join(" ", args) + ": " + r);
        }
    }
}
