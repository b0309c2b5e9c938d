package dev.bootc.pb.disk;

import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Progress;

import dev.bootc.pb.port.Image;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PbException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's bookkeeping, with podman and qemu-img played by a fake runner. */
class BaseDiskCacheTest {
    static final Image IMAGE = new Image("localhost/pb-fixture:latest", "1083e899",
            "sha256:b15de600a0bcd9cf7b358f868ca4e3e05cb11e7e226a8cc4133c1e87a1250dfa", 502_488_426L);
    static final Image OTHER = new Image("localhost/other:1", "abcdef01", "sha256:0123", 1000L);

    /** The core decides the file system before the cache is asked (see BaseDiskPlan). */
    static final BaseDiskOptions XFS = BaseDiskOptions.defaults().withFilesystem(Filesystem.xfs);

    @TempDir
    Path tmp;

    volatile long installMillis = 0;
    volatile boolean installFails = false;

    /** podman run writes a partition table into OUT/disk.raw; qemu-img convert writes a qcow2 header. */
    final FakeRunner runner = new FakeRunner(c -> {
        if (c.argv().contains("print-configuration")) return FakeRunner.Reply.ok("{}"); // declares no file system, as Fedora
        if (FakeRunner.starts(c, "podman", "run")) {
            sleep(installMillis);
            if (installFails) return new FakeRunner.Reply(1, "bootc: installing\n", "error: boom\n");
            String volume = c.argv().stream().filter(a -> a.endsWith(":/output")).findFirst().orElseThrow();
            BaseDiskBuilderTest.writeBootSignature(Path.of(volume.substring(0, volume.length() - ":/output".length()), "disk.raw"));
            return FakeRunner.Reply.ok("bootc: installed\n");
        }
        if (FakeRunner.starts(c, "qemu-img", "convert")) {
            writeQcow2(Path.of(c.argv().get(c.argv().size() - 1)), 10L << 30);
            return FakeRunner.Reply.ok("");
        }
        return null; // podman rm, losetup: fine
    });

    BaseDiskCache cache() {
        return new BaseDiskCache(tmp.resolve("base"), new BaseDiskBuilder(runner));
    }

    int installs() {
        return (int) runner.callsStartingWith("podman", "run").stream().filter(c -> c.contains("to-disk")).count();
    }

    @Test
    void twoReferencesOfOneDigestEachGetABaseDiskInstalledForItself() {
        // a second tag of one image: same digest, same options; its installed origin must name it (bcvk #138)
        Image alias = new Image("localhost/pb-fixture-alias:v1", IMAGE.id(), IMAGE.digest(), IMAGE.sizeBytes());
        BaseDiskCache cache = cache();
        BaseDisk first = cache.ensure(IMAGE, XFS, Progress.none());
        BaseDisk second = cache.ensure(alias, XFS, Progress.none());
        assertTrue(second.builtNow(), "not the disk built for " + IMAGE.reference());
        assertNotEquals(first.key(), second.key());
        assertEquals(2, installs());
        List<List<String>> runs = runner.callsStartingWith("podman", "run");
        assertEquals("localhost/pb-fixture-alias:v1", runs.get(1).get(runs.get(1).indexOf("--target-imgref") + 1), runs.get(1).toString());
        assertEquals(first.key(), cache.ensure(IMAGE, XFS, Progress.none()).key(), "each reference reuses its own");
        assertEquals(2, installs());
    }

    @Test
    void buildsOnceThenServesFromTheCache() throws IOException {
        BaseDiskCache cache = cache();
        BaseDisk built = cache.ensure(IMAGE, XFS, Progress.none());
        String key = BaseDiskCache.key(IMAGE.digest(), IMAGE.reference(), XFS);
        assertTrue(built.builtNow());
        assertEquals(key, built.key());
        assertEquals(cache.dir().resolve(key + ".qcow2"), built.path());
        assertEquals(10L << 30, built.virtualSizeBytes());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(built.path())));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.dir())));
        assertEquals(Set.of(key + ".qcow2", key + ".json", key + ".log", key + ".lock"), names(cache.dir()));

        JsonNode meta = new ObjectMapper().readTree(cache.dir().resolve(key + ".json").toFile());
        assertEquals(key, meta.get("key").asText());
        assertEquals(IMAGE.reference(), meta.get("image").asText());
        assertEquals(IMAGE.digest(), meta.get("digest").asText());
        assertEquals("uefi", meta.get("firmware").asText());
        assertTrue(meta.has("created") && meta.has("kernelArgs") && meta.has("filesystem"), meta.toString());

        long start = System.nanoTime();
        BaseDisk hit = cache().ensure(IMAGE, XFS, Progress.none());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertFalse(hit.builtNow());
        assertEquals(built.path(), hit.path());
        assertEquals(built.created(), hit.created());
        assertEquals(1, installs());
        assertTrue(ms < 1000, "cache hit took " + ms + " ms");
    }

    @Test
    void theMetadataKeepsTheImagesSystemdAndAnEntryBuiltWithoutItLearnsItOnItsNextUse() throws IOException {
        BaseDisk built = cache().ensure(IMAGE, XFS, 252, Progress.none());
        assertEquals(252, built.systemdVersion());
        Path meta = cache().dir().resolve(built.key() + ".json");
        assertEquals(252, new ObjectMapper().readTree(meta.toFile()).get("systemdVersion").asInt());
        assertEquals(252, cache().find(built.key()).orElseThrow().systemdVersion(), "a later look needs not ask the image");

        BaseDisk other = cache().ensure(OTHER, XFS, Progress.none());
        assertEquals(null, other.systemdVersion(), "built when it was not known");
        BaseDisk learnt = cache().ensure(OTHER, XFS, 257, Progress.none());
        assertFalse(learnt.builtNow(), "not built again");
        assertEquals(257, learnt.systemdVersion());
        assertEquals(257, cache().find(other.key()).orElseThrow().systemdVersion());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache().dir().resolve(other.key() + ".json"))));
        assertEquals(2, installs());
    }

    @Test
    void anotherFilesystemOrKernelArgumentIsAnotherBaseDisk() {
        BaseDiskCache cache = cache();
        BaseDisk a = cache.ensure(IMAGE, XFS, null);
        BaseDisk b = cache.ensure(IMAGE, XFS.withFilesystem(Filesystem.ext4), null);
        BaseDisk c = cache.ensure(IMAGE, XFS.withKernelArgs(List.of("quiet")), null);
        assertEquals(3, Set.of(a.key(), b.key(), c.key()).size());
        assertEquals(3, installs());
        List<List<String>> installs = runner.callsStartingWith("podman", "run").stream().filter(x -> x.contains("to-disk")).toList();
        assertEquals(List.of("--filesystem", "xfs", "/output/disk.raw"), installs.get(0).subList(installs.get(0).size() - 3, installs.get(0).size()),
                "the file system is said to bootc");
        assertEquals(Filesystem.xfs, a.options().filesystem(), "and recorded with the disk");
        assertEquals(List.of("--karg", "quiet", "/output/disk.raw"), installs.get(2).subList(installs.get(2).size() - 3, installs.get(2).size()));
        assertEquals(a.key(), cache.ensure(IMAGE, XFS, null).key(), "the same options are the same disk");
        assertEquals(3, cache.list().size());
    }

    @Test
    void concurrentEnsuresBuildOnce() throws Exception {
        installMillis = 500;
        int n = 4;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<BaseDisk>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return cache().ensure(IMAGE, XFS, Progress.none());
                }));
            }
            go.countDown();
            int built = 0;
            for (Future<BaseDisk> f : results) {
                BaseDisk d = f.get(30, TimeUnit.SECONDS);
                if (d.builtNow()) built++;
            }
            assertEquals(1, built);
            assertEquals(1, installs());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBuildInAnotherProcessIsWaitedForAndReused() throws Exception {
        // a finished entry, made by a build elsewhere, that the other process moves into place while holding the lock
        BaseDiskCache elsewhere = new BaseDiskCache(tmp.resolve("elsewhere"), new BaseDiskBuilder(runner));
        BaseDisk made = elsewhere.ensure(IMAGE, XFS, null);
        int installsBefore = installs();
        BaseDiskCache cache = cache();
        Files.createDirectories(cache.dir());
        String key = made.key();
        Process child = ChildJvm.start(tmp.resolve("child.out"), LockHolderMain.class, cache.lockFile(key).toString(), "1500",
                elsewhere.metadata(key).toString(), cache.metadata(key).toString(),
                made.path().toString(), cache.qcow2(key).toString());
        try {
            waitForLine(tmp.resolve("child.out"), "locked", 20_000);
            List<String> phases = Collections.synchronizedList(new ArrayList<>());
            BaseDisk d = cache.ensure(IMAGE, XFS, phases::add);
            assertFalse(d.builtNow());
            assertEquals(installsBefore, installs(), "no second install");
            assertTrue(phases.contains("Waiting for another build of base disk " + key), phases.toString());
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue(), Files.readString(tmp.resolve("child.out")));
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aFailedBuildLeavesNoEntryButKeepsItsLog() throws IOException {
        installFails = true;
        BaseDiskCache cache = cache();
        PbException e = assertThrows(PbException.class, () -> cache.ensure(IMAGE, XFS, null));
        String key = BaseDiskCache.key(IMAGE.digest(), IMAGE.reference(), XFS);
        assertEquals("DiskBuildFailed", e.reason());
        assertTrue(e.getMessage().contains("error: boom"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(build log: " + cache.dir().resolve(key + ".log") + ")"), e.getMessage());
        assertEquals(Set.of(key + ".log", key + ".lock"), names(cache.dir()));
        assertTrue(cache.list().isEmpty());
        assertEquals(1, runner.callsStartingWith("podman", "rm").size());
        installFails = false;
        assertTrue(cache.ensure(IMAGE, XFS, null).builtNow());
    }

    @Test
    void deadBuildsAreRemovedAndLiveOnesKept() throws Exception {
        BaseDiskCache cache = cache();
        String dead = BaseDiskCache.key(OTHER.digest(), OTHER.reference(), XFS);
        String live = BaseDiskCache.key(OTHER.digest(), OTHER.reference(), XFS.withFirmware(dev.bootc.pb.api.Firmware.bios));
        Path deadDir = Files.createDirectories(cache.dir().resolve(dead + ".build-deadbeef"));
        Files.writeString(deadDir.resolve("disk.raw"), "partial");
        Path liveDir = Files.createDirectories(cache.dir().resolve(live + ".build-0badcafe"));
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (dev.bootc.pb.os.HostLock l = dev.bootc.pb.os.HostLock.acquire(cache.lockFile(live), () -> { })) {
                locked.countDown();
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        holder.start();
        try {
            assertTrue(locked.await(10, TimeUnit.SECONDS));
            cache.ensure(IMAGE, XFS, null);
            assertFalse(Files.exists(deadDir), "a dead build's folder goes");
            assertTrue(Files.exists(liveDir), "a live build's folder stays");
            assertEquals(List.of(List.of("podman", "rm", "--force", "--ignore", "--time", "0", "pb-build-" + dead + "-deadbeef")),
                    runner.callsStartingWith("podman", "rm"));
        } finally {
            release.countDown();
            holder.join();
        }
        assertEquals(1, cache.removeDeadBuilds());
        assertFalse(Files.exists(liveDir));
    }

    @Test
    void unreadableMetadataIsRebuilt() throws IOException {
        BaseDiskCache cache = cache();
        BaseDisk d = cache.ensure(IMAGE, XFS, null);
        Files.writeString(cache.metadata(d.key()), "{not json");
        assertTrue(cache.find(d.key()).isEmpty());
        assertTrue(cache.ensure(IMAGE, XFS, null).builtNow());
    }

    @Test
    void pruneRemovesWhatNoVmUses() throws IOException {
        BaseDiskCache cache = cache();
        BaseDisk used = cache.ensure(IMAGE, XFS, null);
        BaseDisk unused = cache.ensure(OTHER, XFS, null);
        assertEquals(List.of(used.key(), unused.key()), cache.list().stream().map(BaseDisk::key).toList());
        Path viaLink = Files.createSymbolicLink(tmp.resolve("link"), cache.dir());
        List<BaseDisk> removed = cache.prune(Set.of(viaLink.resolve(used.path().getFileName())));
        assertEquals(List.of(unused.key()), removed.stream().map(BaseDisk::key).toList());
        assertEquals(List.of(used.key()), cache.list().stream().map(BaseDisk::key).toList());
        assertFalse(Files.exists(unused.path()));
        assertFalse(Files.exists(cache.metadata(unused.key())));
        assertFalse(Files.exists(cache.logFile(unused.key())));
        assertEquals(1, cache.prune(Set.of()).size());
        assertTrue(cache.list().isEmpty());
    }

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new java.util.TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    static void writeQcow2(Path file, long virtualSize) {
        try (OutputStream o = Files.newOutputStream(file); DataOutputStream d = new DataOutputStream(o)) {
            d.writeInt(0x514649fb);
            d.writeInt(3);
            d.write(new byte[16]);
            d.writeLong(virtualSize);
            d.write(new byte[480]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void waitForLine(Path file, String line, long millis) {
        await("the line '" + line + "' in " + file).atMost(java.time.Duration.ofMillis(millis)).pollInterval(java.time.Duration.ofMillis(50))
                .until(() -> Files.exists(file) && Files.readString(file).lines().anyMatch(line::equals));
    }

    static void waitForText(Path file, String text, long millis) {
        await("'" + text + "' in " + file).atMost(java.time.Duration.ofMillis(millis)).pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> Files.exists(file) && Files.readString(file).contains(text));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
