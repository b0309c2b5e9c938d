package dev.bootc.pb.disk;

import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PbException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseDiskBuilderTest {
    static final long GIB = 1L << 30;
    static final Image IMAGE = new Image("localhost/pb-fixture:latest", "1083e899", "sha256:b15de6", 502_488_426L);
    static final Image XY = new Image("quay.io/x/y:1", "0123abcd", "sha256:0123", 1L << 30);

    @TempDir
    Path tmp;

    @Test
    void installCommandIsPodmanBootcs() {
        assertEquals(List.of("podman", "run", "--rm", "--name", "pb-build-k", "--pull=never", "--network=none", "--user", "root:root", "--privileged", "--pid=host",
                        "--security-opt", "label=type:unconfined_t", "-v", "/var/lib/containers:/var/lib/containers",
                        "-v", "/dev:/dev", "-v", "/cache/k.build-1:/output", "quay.io/x/y:1",
                        "bootc", "install", "to-disk", "--via-loopback", "--generic-image", "--skip-fetch-check",
                        "--target-imgref", "quay.io/x/y:1", "/output/disk.raw"),
                ContainerInstaller.command(XY, Path.of("/cache/k.build-1"), BaseDiskOptions.defaults(), "pb-build-k"));
        List<String> withOptions = ContainerInstaller.command(XY, Path.of("/o"),
                new BaseDiskOptions(Filesystem.xfs, 8 * GIB, List.of("console=ttyS0", "quiet"), null), "n");
        assertEquals(List.of("--target-imgref", "quay.io/x/y:1", "--filesystem", "xfs", "--root-size", "8G", "--karg", "console=ttyS0", "--karg", "quiet", "/output/disk.raw"),
                withOptions.subList(withOptions.indexOf("--skip-fetch-check") + 1, withOptions.size()));
    }

    @Test
    void theInstalledSystemRecordsTheVmsOwnReferenceAsItsOrigin() {
        String digest = "sha256:" + "ab".repeat(32);
        List<String> pinned = ContainerInstaller.command(new Image("quay.io/f/fedora-bootc:42@" + digest, "0123abcd", digest, 1L << 30),
                Path.of("/o"), BaseDiskOptions.defaults(), "n");
        assertTrue(pinned.contains("quay.io/f/fedora-bootc:42@" + digest), "podman runs the reference as given: " + pinned);
        assertEquals("quay.io/f/fedora-bootc@" + digest, pinned.get(pinned.indexOf("--target-imgref") + 1),
                "the digest is what podman looks up; a registry transport takes no tag beside it");
        String id = "cd".repeat(32);
        List<String> byId = ContainerInstaller.command(new Image("sha256:" + id, id, digest, 1L << 30), Path.of("/o"), BaseDiskOptions.defaults(), "n");
        assertFalse(byId.contains("--target-imgref"), "an ID is no reference to follow: bootc's default (the image it installs) " + byId);
    }

    @Test
    void rawSizeIsTwiceTheImageAtLeastTenGib() {
        assertEquals(10 * GIB, BaseDiskBuilder.rawSizeBytes(502_488_426L, BaseDiskOptions.defaults()));
        assertEquals(12 * GIB, BaseDiskBuilder.rawSizeBytes(6 * GIB, BaseDiskOptions.defaults()));
        assertEquals(2 * (6 * GIB + 1) + (1 << 20) - 2, BaseDiskBuilder.rawSizeBytes(6 * GIB + 1, BaseDiskOptions.defaults()));
        assertEquals(22 * GIB, BaseDiskBuilder.rawSizeBytes(GIB, BaseDiskOptions.defaults().withRootSizeBytes(20 * GIB)));
    }

    @Test
    void aVmsDiskSizeIsTheBaseDisksSoTheRootSpansIt() {
        assertEquals(20 * GIB, BaseDiskBuilder.rawSizeBytes(502_488_426L, BaseDiskOptions.defaults().withDiskSizeBytes(20 * GIB)));
        assertEquals(5 * GIB, BaseDiskBuilder.rawSizeBytes(GIB, BaseDiskOptions.defaults().withDiskSizeBytes(5 * GIB)),
                "smaller than the legacy 10 GiB minimum is fine when the image fits");
        dev.bootc.pb.api.PbException e = org.junit.jupiter.api.Assertions.assertThrows(dev.bootc.pb.api.PbException.class,
                () -> BaseDiskBuilder.rawSizeBytes(6 * GIB, BaseDiskOptions.defaults().withDiskSizeBytes(10 * GIB)));
        assertEquals("InvalidDiskSize", e.reason());
        assertEquals("disk size 10 GiB cannot hold this image: give --disk-size 12G or more", e.getMessage());
    }

    @Test
    void buildInstallsThenConvertsAndStreamsOutput() throws IOException {
        FakeRunner runner = new FakeRunner(c -> {
            if (FakeRunner.starts(c, "podman", "run")) {
                Path raw = tmp.resolve("disk.raw");
                assertTrue(Files.exists(raw), "the raw file exists before bootc runs");
                assertEquals(10 * GIB, raw.toFile().length());
                writeBootSignature(raw);
                return FakeRunner.Reply.ok("installing\ndone\n");
            }
            if (FakeRunner.starts(c, "qemu-img", "convert")) return FakeRunner.Reply.ok("");
            throw new AssertionError("unexpected " + c.argv());
        });
        List<String> seen = new ArrayList<>();
        Progress listener = new Progress() {
            @Override
            public void phase(String phase) {
                seen.add("phase: " + phase);
            }

            @Override
            public void output(String line) {
                seen.add(line);
            }
        };
        Path out = new BaseDiskBuilder(runner).build(IMAGE, BaseDiskOptions.defaults(), tmp, "pb-build-x", listener);
        assertEquals(tmp.resolve("disk.qcow2"), out);
        assertEquals(List.of("qemu-img", "convert", "-O", "qcow2", tmp.resolve("disk.raw").toString(), tmp.resolve("disk.qcow2").toString()),
                runner.calls.get(1));
        assertFalse(Files.exists(tmp.resolve("disk.raw")), "the raw file is removed");
        assertEquals(List.of("phase: Installing localhost/pb-fixture:latest to a 10 GiB disk (bootc install to-disk)",
                "installing", "done", "phase: Converting to qcow2"), seen);
        assertTrue(Files.readString(tmp.resolve("build.log")).contains("installing\ndone\n"));
    }

    @Test
    void failedInstallReportsTheLogTailAndRemovesTheContainer() {
        String output = IntStream.rangeClosed(1, 50).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n"));
        FakeRunner runner = new FakeRunner(c -> FakeRunner.starts(c, "podman", "run")
                ? new FakeRunner.Reply(1, output, "error: no space left\n") : FakeRunner.Reply.ok(""));
        PbException e = assertThrows(PbException.class,
                () -> new BaseDiskBuilder(runner).build(IMAGE, BaseDiskOptions.defaults(), tmp, "pb-build-x", Progress.none()));
        assertEquals(ExitCodes.FAILURE, e.exitCode());
        assertEquals("DiskBuildFailed", e.reason());
        assertTrue(e.getMessage().startsWith("building the base disk of localhost/pb-fixture:latest failed: bootc install to-disk exited with 1\n"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("error: no space left"), e.getMessage());
        assertTrue(e.getMessage().contains("line 50"));
        assertFalse(e.getMessage().contains("line 30\n"), "only the last 20 lines");
        assertTrue(runner.calls.contains(List.of("podman", "rm", "--force", "--ignore", "--time", "0", "pb-build-x")), "the container is removed");
        assertFalse(Files.exists(tmp.resolve("disk.raw")));
    }

    @Test
    void anInstallThatWritesNothingIsAFailure() {
        FakeRunner runner = new FakeRunner(c -> FakeRunner.Reply.ok(""));
        PbException e = assertThrows(PbException.class,
                () -> new BaseDiskBuilder(runner).build(IMAGE, BaseDiskOptions.defaults(), tmp, "n", Progress.none()));
        assertTrue(e.getMessage().contains("holds no partition table"), e.getMessage());
        assertTrue(runner.callsStartingWith("qemu-img").isEmpty());
    }

    static void writeBootSignature(Path raw) {
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.seek(510);
            f.write(new byte[] {0x55, (byte) 0xAA});
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
