package dev.bootc.pb.e2e;

import dev.bootc.pb.api.BootcVm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `pb operator --store file` in the background keeps a VM as its resource says: `pb apply -f` brings
 * it up, `virsh destroy` behind its back brings it back, and runStrategy: Halted edited into the
 * store file stops it.
 */
@Tag("vm")
class FileStoreOperatorIT {
    static Pb pb;
    static Process operator;
    static Path log;

    @BeforeAll
    static void startOperator() throws Exception {
        pb = Pb.onFreshHome("pb-operator-it");
        Path home = pb.home();
        log = home.resolve("operator.log");
        operator = pb.builder("operator", "--store", "file").redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (operator != null) {
            operator.destroy();
            operator.waitFor(30, TimeUnit.SECONDS);
            operator.destroyForcibly();
        }
        if (pb != null) pb.run("rm", "-f", "--all");
        if (log != null && Files.exists(log)) System.out.println("operator log:\n" + Files.readString(log));
    }

    @Test
    void operatorBringsUpRestartsAndStopsAVm() throws Exception {
        Path yaml = Files.createTempFile("op-vm", ".yaml");
        Files.writeString(yaml, """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata:
                  name: op-vm
                spec:
                  image: localhost/pb-fixture:latest
                  runStrategy: Always
                  resources:
                    memory: 1Gi
                """);
        Pb.Result applied = pb.run("apply", "-f", yaml.toString());
        assertEquals(0, applied.exit(), applied.toString());
        assertTrue(applied.out().contains("created"));

        JsonNode ready = awaitVm(v -> "Running".equals(v.at("/status/phase").asText()), Duration.ofMinutes(8));
        String domain = ready.at("/status/domainName").asText();
        // sync: what the guest wrote at its first boot (its SSH host key above all) is on the disk before the power is
        // cut. Without it, once in a full run, the boot after virsh destroy recovered xfs's log and then "Failed to start
        // ssh.service", and the VM never answered again: most likely the fresh host key was still only in the page cache
        Pb.Result ssh = pb.run("ssh", "op-vm", "--", "sync");
        assertEquals(0, ssh.exit(), ssh.toString());
        String startedAt = ready.at("/status/startedAt").asText();

        long t0 = System.nanoTime();
        Pb.host("virsh", "-c", "qemu:///system", "destroy", domain);
        awaitVm(v -> "Running".equals(v.at("/status/phase").asText()) && !startedAt.equals(v.at("/status/startedAt").asText()),
                Duration.ofMinutes(8));
        assertTrue(Pb.host("virsh", "-c", "qemu:///system", "domstate", domain).contains("running"));
        System.out.printf("operator brought op-vm back after virsh destroy in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        Path file = pb.storeDir().resolve("default").resolve("op-vm.yaml");
        String text = Files.readString(file);
        assertTrue(text.contains("runStrategy: \"Always\"") || text.contains("runStrategy: Always"), text);
        Files.writeString(file, text.replace("runStrategy: \"Always\"", "runStrategy: \"Halted\"").replace("runStrategy: Always", "runStrategy: Halted"));
        awaitVm(v -> "Stopped".equals(v.at("/status/phase").asText()), Duration.ofMinutes(3));
        assertTrue(Pb.host("virsh", "-c", "qemu:///system", "domstate", domain).contains("shut off"));
    }

    static JsonNode awaitVm(Predicate<JsonNode> cond, Duration timeout) throws Exception {
        JsonNode[] last = {null};
        try {
            await("op-vm reaches the state").atMost(timeout).pollInterval(Duration.ofSeconds(2))
                    .failFast("the operator died", () -> !operator.isAlive())
                    .until(() -> {
                        Pb.Result r = pb.run("get", "op-vm", "-o", "json");
                        if (r.exit() != 0) return false;
                        last[0] = new ObjectMapper().readTree(r.out());
                        return cond.test(last[0]);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0] + "; operator log:\n" + Files.readString(log), e);
        }
        return last[0];
    }
}
