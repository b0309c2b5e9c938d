package dev.bootc.pb.store.file;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several processes writing one resource: no torn file, no lost update, no half write after SIGKILL. */
class FileVmStoreConcurrencyTest {
    @TempDir
    Path dir;

    private Process child(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), StoreHammer.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    @Test
    void eightProcessesHammerOneResource() throws Exception {
        FileVmStore store = new FileVmStore(dir);
        store.create(new BootcVm("default", "hammered", new BootcVmSpec("img")));
        Path file = store.file("default", "hammered");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        List<String> torn = new ArrayList<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try {
                    FileVmStore.parse(file, Files.readString(file));
                    reads.incrementAndGet();
                } catch (Exception e) {
                    synchronized (torn) {
                        torn.add(e.getMessage());
                    }
                }
            }
        });
        reader.start();
        int perProcess = 40;
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 8; i++) procs.add(child("hammer", dir.toString(), Integer.toString(perProcess)));
        int landed = 0;
        int conflicts = 0;
        for (Process p : procs) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "hammer process did not finish");
            assertEquals(0, p.exitValue());
            String[] counts = new String(p.getInputStream().readAllBytes()).trim().split(" ");
            landed += Integer.parseInt(counts[0]);
            conflicts += Integer.parseInt(counts[1]);
        }
        stop.set(true);
        reader.join();
        assertEquals(8 * perProcess, landed + conflicts);
        BootcVm last = store.get("default", "hammered").orElseThrow();
        assertEquals(Integer.toString(landed), last.getMetadata().getAnnotations().get("count"),
                "every landed update is counted once: no update was lost without a conflict");
        assertEquals(Long.toString(1 + landed), last.getMetadata().getResourceVersion());
        assertTrue(torn.isEmpty(), "a reader saw a torn file: " + torn);
        System.out.printf("hammer: %d landed, %d conflicts, %d clean reads%n", landed, conflicts, reads.get());
    }

    @Test
    void writerKilledMidWriteLeavesOldOrNewDocument() throws Exception {
        FileVmStore store = new FileVmStore(dir);
        store.create(new BootcVm("default", "churned", new BootcVmSpec("img")));
        Path file = store.file("default", "churned");
        for (int round = 0; round < 8; round++) {
            Process p = child("churn", dir.toString());
            Thread.sleep(700 + round * 97L);
            p.destroyForcibly(); // SIGKILL
            p.waitFor();
            BootcVm vm = FileVmStore.parse(file, Files.readString(file));
            List<String> kargs = vm.getSpec().getKernelArgs();
            assertTrue(kargs == null || kargs.size() == 2000 && kargs.stream().distinct().count() == 1,
                    "a whole document, old or new");
        }
        // the next writer (a pb process: its store sweeps a folder on its first write there, then once a minute)
        // sweeps the temp files killed writers left
        FileVmStore next = new FileVmStore(dir);
        BootcVm vm = next.get("default", "churned").orElseThrow();
        vm.getSpec().setNodeName("after");
        next.update(vm);
        try (var s = Files.list(file.getParent())) {
            assertEquals(List.of("churned.yaml"), s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
