package dev.bootc.pb.faults;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.cli.CliRunner;
import dev.bootc.pb.driver.DriverSupport;
import dev.bootc.pb.driver.FileStoreOperator;
import dev.bootc.pb.driver.NodeFilter;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.reconcile.VmReconciler;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults that need no guest, on the real core, drivers, store and command line with the outside world
 * faked at the I/O edge: a corrupt store file, libvirt going away under pb run, two operators for one
 * node. (The fault suite with real VMs is {@link FaultsIT}.)
 */
class FaultsWithoutVmTest {
    @TempDir
    Path dir;

    @Test
    void aCorruptStoreFileIsListedAsInvalidTheOperatorKeepsReconcilingTheRestAndRmCleansIt() throws Exception {
        FakeWorld world = new FakeWorld();
        world.ssh.ready = true;
        FileVmStore store = new FileVmStore(dir.resolve("store"));
        store.create(new BootcVm("default", "good", new BootcVmSpec("localhost/pb-fixture:latest")));
        Path broken = store.file("default", "broken");
        Files.writeString(broken, "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata: {name: broken\nspec: [\n");
        byte[] brokenBytes = Files.readAllBytes(broken);
        try (Root root = FakeRoot.root(dir, world);
             FileStoreOperator op = root.fileOperator("this-node", 2)) {
            op.start();
            waitFor(() -> phase(store, "good") == Phase.Running, "the good VM comes up beside a corrupt file");
            // the operator keeps working: a VM created now comes up too
            store.create(new BootcVm("default", "later", new BootcVmSpec("localhost/pb-fixture:latest")));
            waitFor(() -> phase(store, "later") == Phase.Running, "a VM created after the corrupt file comes up");
            assertTrue(java.util.Arrays.equals(brokenBytes, Files.readAllBytes(broken)), "the operator leaves the corrupt file as it is");

            CliRunner cli = new CliRunner(o -> FakeRoot.root(dir, world, o));
            CliRunner.Result list = cli.run("list");
            assertEquals(0, list.exit(), list.toString());
            assertTrue(list.out().contains("good") && list.out().contains("later"), list.out());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("broken") && l.contains("invalid") && l.contains("does not parse")),
                    "broken shown as invalid, with the parse error: " + list.out());
            CliRunner.Result rm = cli.run("rm", "-f", "broken");
            assertEquals(0, rm.exit(), rm.toString());
            assertFalse(Files.exists(broken), "pb rm -f removes the corrupt file");
            assertEquals(Phase.Running, phase(store, "good"));
            assertEquals(Phase.Running, phase(store, "later"));
        }
    }

    @Test
    void pbRunRidesOutLibvirtGoingAwayWhileItWaits() throws Exception {
        FakeWorld world = new FakeWorld();
        AtomicBoolean libvirtDown = new AtomicBoolean();
        Domains flaky = flaky(world.domains, libvirtDown);
        CliRunner cli = new CliRunner(o -> FakeRoot.root(dir, world, flaky, o));
        // SSH answers only after libvirt was away for 3 s, so pb run is waiting through the outage
        Thread outage = new Thread(() -> {
            try {
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20)).until(() -> world.count("start") > 0);
                libvirtDown.set(true);
                Thread.sleep(3000);
                libvirtDown.set(false);
                Thread.sleep(500);
                world.ssh.ready = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        outage.start();
        CliRunner.Result r = cli.run("run", "-B", "--name", "survivor", "localhost/pb-fixture:latest");
        outage.join();
        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, world.count("define"), "one domain defined: " + world.calls);
        assertEquals(1, world.count("start"), "started once: " + world.calls);
        assertTrue(r.err().contains("LibvirtUnavailable") || r.err().contains("went away") || r.err().contains("trying again"), r.err());
    }

    @Test
    void oneOperatorActsPerNodeAndTheWaitingOneTakesOverWhenTheOtherStops() throws Exception {
        FakeWorld world = new FakeWorld();
        FileVmStore store = new FileVmStore(dir.resolve("store"));
        DriverSupport support = world.fileStoreSupport(dir, store);
        FileStoreOperator first = new FileStoreOperator(support, world.domains, new NodeFilter("n1", true), 1, Duration.ofSeconds(30));
        FileStoreOperator second = new FileStoreOperator(support, world.domains, new NodeFilter("n1", true), 1, Duration.ofSeconds(30));
        try (first; second) {
            first.start();
            assertTrue(first.awaitActive(Duration.ofSeconds(5)));
            second.start();
            assertFalse(second.awaitActive(Duration.ofSeconds(2)), "a second operator of the node waits");
            long t0 = System.nanoTime();
            first.close();
            assertTrue(second.awaitActive(Duration.ofSeconds(5)), "the waiting operator takes over");
            System.out.printf("operator hand-over after a clean stop: %.2f s%n", (System.nanoTime() - t0) / 1e9);
            store.create(new BootcVm("default", "after", new BootcVmSpec("localhost/pb-fixture:latest")));
            waitFor(() -> phase(store, "after") == Phase.Running, "the new operator reconciles");
        }
    }

    @Test
    void aKilledOperatorsLockIsFreedByTheKernelAndTheWaitingOneTakesOverWithinSeconds() throws Exception {
        FakeWorld world = new FakeWorld();
        FileVmStore store = new FileVmStore(dir.resolve("store"));
        DriverSupport support = world.fileStoreSupport(dir, store);
        try (FileStoreOperator op = new FileStoreOperator(support, world.domains, new NodeFilter("n1", true), 1, Duration.ofSeconds(30))) {
            Path out = dir.resolve("holder.out");
            Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
                    LockHolderMain.class.getName(), op.lockFile().toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                waitFor(() -> readQuietly(out).contains("holding"), "the other process holds the node's lock");
                op.start();
                assertFalse(op.awaitActive(Duration.ofSeconds(2)), "waits while another process holds the node's lock");
                store.create(new BootcVm("default", "queued", new BootcVmSpec("localhost/pb-fixture:latest")));
                Thread.sleep(1000);
                assertEquals(null, phase(store, "queued"), "the waiting operator does nothing");
                long t0 = System.nanoTime();
                holder.destroyForcibly(); // SIGKILL
                assertTrue(op.awaitActive(Duration.ofSeconds(5)), "takes over once the holder is killed");
                double s = (System.nanoTime() - t0) / 1e9;
                waitFor(() -> phase(store, "queued") == Phase.Running, "then reconciles");
                System.out.printf("operator hand-over after SIGKILL of the holder: %.2f s%n", s);
                assertTrue(s < 5, "within seconds: " + s);
            } finally {
                holder.destroyForcibly();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    // ---- helpers

    /** The fake libvirt, failing every call as an unreachable libvirtd does while {@code down} is set. */
    static Domains flaky(Domains real, AtomicBoolean down) {
        return (Domains) Proxy.newProxyInstance(Domains.class.getClassLoader(), new Class<?>[]{Domains.class}, (proxy, m, args) -> {
            if (down.get() && !m.getName().equals("facts") && !m.getName().equals("close") && !m.getName().startsWith("serialLog")) {
                throw Failure.LibvirtUnavailable.with(m.getName() + ": cannot recv data: Connection reset by peer (libvirt at fake:/// went away)");
            }
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    static Phase phase(FileVmStore store, String name) {
        return store.get("default", name).map(v -> v.getStatus() == null ? null : v.getStatus().getPhase()).orElse(null);
    }

    static void waitFor(BooleanSupplier cond, String what) {
        await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(cond::getAsBoolean);
    }
}
