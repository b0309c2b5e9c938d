package dev.bootc.pb.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.DiskSpec;
import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;
import dev.bootc.pb.testing.TestDriverWorld;
import dev.bootc.pb.verbs.RunVerb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A raw VM's life on real libvirt (test:///default: no hypervisor), the real qemu-img, a real file store and the real
 * verbs through the composition root: pb run --disk-format raw defines, on real libvirt, a domain on a real raw copy
 * of the base disk; pb export refuses it running and writes it stopped; pb start boots it again on the same disk;
 * pb rm removes the raw disk.
 */
class DiskFormatTestDriverTest {
    @TempDir
    Path dir;
    TestDriverWorld world;
    Root root;

    @BeforeEach
    void setUp() throws Exception {
        world = new TestDriverWorld(dir);
        Map<String, String> env = Map.of("PB_DATA_DIR", dir.resolve("data").toString(), "PB_IMAGES_DIR", dir.resolve("images").toString(),
                "PB_STORE_DIR", dir.resolve("store").toString(), "PB_LIBVIRT_URI", "test:///default", "NODE_NAME", "node-a");
        root = new Root(Config.load(env, "root", dir, Config.Options.none()),
                world.parts(new FileVmStore(dir.resolve("store")), new FileEventLog(dir.resolve("data/events"))));
    }

    @AfterEach
    void cleanUp() {
        world.close();
    }

    static String host(String... argv) {
        ProcessResult r = ProcessRunner.local().run(Command.of(argv));
        if (!r.ok()) throw new AssertionError(String.join(" ", argv) + ": " + r.stderr());
        return r.stdout();
    }

    @Test
    void aRawVmRunsIsExportedWhenStoppedStartsAgainAndGoesWithItsDisk() throws Exception {
        BootcVmSpec spec = new BootcVmSpec("localhost/pb-fixture:latest");
        spec.setDisk(new DiskSpec());
        spec.getDisk().setFormat(DiskFormat.raw);
        spec.getDisk().setSize("2Gi");
        root.run().run(new RunVerb.Request("web", spec, false, true, false, List.of()), new RunVerb.Feedback() {
            @Override
            public void progress(String line) {
            }

            @Override
            public void connecting(String vmName, boolean withCommand) {
            }
        });
        BootcVm vm = root.vms().require("web");
        Path disk = dir.resolve("images/vms/default_web.raw");
        assertEquals(disk.toString(), vm.getStatus().getDiskPath());
        assertTrue(world.domains.find("default_web").orElseThrow().running(), "libvirt took the domain of a raw disk and started it");
        JsonNode info = new ObjectMapper().readTree(host("qemu-img", "info", "-f", "raw", "--output=json", disk.toString()));
        assertEquals(2L << 30, info.path("virtual-size").asLong(), "the disk size asked, grown from the 1 GiB base");
        assertFalse(info.has("backing-filename"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(disk)));
        assertFalse(Files.exists(dir.resolve("images/vms/default_web.qcow2")), "no overlay beside it");

        Path out = Files.createDirectory(dir.resolve("out"));
        PbException running = assertThrows(PbException.class,
                () -> root.export().export("web", out.resolve("web.vmdk"), null, false, Progress.none()));
        assertEquals(Failure.VmRunning, running.failure());
        assertEquals(ExitCodes.CONFLICT, running.exitCode());
        assertEquals(List.of(), Files.list(out).toList());

        root.lifecycle().stop("web", line -> { });
        assertFalse(world.domains.find("default_web").orElseThrow().running());
        assertEquals(out.resolve("web.vmdk"), root.export().export("web", out.resolve("web.vmdk"), null, false, Progress.none()).file());
        JsonNode vmdk = new ObjectMapper().readTree(host("qemu-img", "info", "-f", "vmdk", "--output=json", out.resolve("web.vmdk").toString()));
        assertEquals(2L << 30, vmdk.path("virtual-size").asLong());
        host("qemu-img", "check", "-f", "vmdk", out.resolve("web.vmdk").toString());
        assertTrue(host("qemu-img", "compare", "-f", "raw", "-F", "vmdk", disk.toString(), out.resolve("web.vmdk").toString()).contains("identical"));
        assertEquals(ExportFormat.vmdk, ExportFormat.ofExtension(out.resolve("web.vmdk")).orElseThrow());

        root.lifecycle().start("web", line -> { });
        assertTrue(world.domains.find("default_web").orElseThrow().running(), "booted again, on the same disk");
        assertEquals(disk.toString(), root.vms().require("web").getStatus().getDiskPath());

        root.lifecycle().remove("web", true, line -> { });
        assertFalse(Files.exists(disk), "pb rm removes a raw disk");
        assertTrue(world.domains.find("default_web").isEmpty());
        assertTrue(Files.exists(out.resolve("web.vmdk")), "an export is the user's: it stays");
    }
}
