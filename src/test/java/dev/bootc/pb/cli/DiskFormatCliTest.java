package dev.bootc.pb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.testing.FakeRoot;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pb run --disk-format and pb export, in-process on a real file store and the real core, with podman, disks,
 * libvirt and SSH faked at the I/O edge: exit codes, stdout and stderr, what was stored and what the disks were told.
 */
class DiskFormatCliTest extends InProcessCliTest {

    JsonNode get(String name) throws Exception {
        return new ObjectMapper().readTree(ok("get", name, "-o", "json").out());
    }

    @Test
    void runDiskFormatRawRecordsTheFormatAndBootsARawCopy() throws Exception {
        ok("run", "-B", "--disk-format", "raw", "--name", "web", "img");
        JsonNode vm = get("web");
        assertEquals("raw", vm.at("/spec/disk/format").asText());
        assertTrue(vm.at("/status/diskPath").asText().endsWith("/vms/default_web.raw"), vm.toString());
        assertEquals(1, world.count("rawcopy"));
        assertEquals(0, world.count("overlay"));
        assertEquals(vm.at("/status/diskPath").asText(), ok("inspect", "web", "-o", "jsonpath={.runtime.disk}").out(), "inspect shows the raw disk");
        ok("run", "-B", "--name", "plain", "img");
        assertTrue(get("plain").at("/spec/disk/format").isMissingNode(), "the default is not written into the resource");
        assertTrue(get("plain").at("/status/diskPath").asText().endsWith("/vms/default_plain.qcow2"));
    }

    @Test
    void aDiskFormatPbDoesNotKnowIsUsageAndNothingIsStored() {
        CliRunner.Result r = pb.run("run", "-B", "--disk-format", "vmdk", "--name", "web", "img");
        assertOneLineError(r, 2, "--disk-format");
        assertTrue(r.err().contains("qcow2, raw"), r.err());
        assertEquals("", ok("list", "--format", "name").out());
    }

    @Test
    void runAgainWithAnotherDiskFormatIsRefusedAndTheVmIsLeftAsItIs() throws Exception {
        ok("run", "-B", "--name", "web", "img");
        String before = ok("get", "web", "-o", "yaml").out();
        world.calls.clear();
        CliRunner.Result r = pb.run("run", "-B", "--disk-format", "raw", "--name", "web", "img");
        assertOneLineError(r, 4, "--disk-format raw: VM web exists with a qcow2 disk");
        assertTrue(r.err().contains("--replace"), r.err());
        assertEquals(before, ok("get", "web", "-o", "yaml").out(), "nothing written");
        assertTrue(ok("inspect", "web", "-o", "jsonpath={.runtime.disk}").out().endsWith("/vms/default_web.qcow2"));
        assertEquals(List.of(), world.calls);
        ok("run", "-B", "--disk-format", "qcow2", "--name", "web", "img"); // the format it has: reused as before
    }

    @Test
    void exportOfARunningVmIsRefusedAndOfAStoppedOneWritesTheFileItsExtensionNames() throws Exception {
        ok("run", "-B", "--disk-format", "raw", "--name", "web", "img");
        Path disk = Path.of(get("web").at("/status/diskPath").asText());
        Path out = Files.createDirectory(dir.resolve("out"));
        CliRunner.Result running = pb.run("export", "web", out.resolve("web.vmdk").toString());
        assertOneLineError(running, 4, "VM web is running: stop it first (pb stop web)");
        assertEquals(0, world.count("export"));

        ok("stop", "web");
        CliRunner.Result r = ok("export", "web", out.resolve("web.vmdk").toString());
        assertEquals(out.resolve("web.vmdk") + "\n", r.out(), "the file written, on stdout");
        assertTrue(r.err().contains("Exporting VM web to " + out.resolve("web.vmdk") + " (vmdk)"), "progress on stderr: " + r.err());
        assertEquals(disk, world.disks.exports.get(out.resolve("web.vmdk")));
        assertEquals(ExportFormat.vmdk, world.disks.exportFormats.get(out.resolve("web.vmdk")));
        ok("export", "web", out.resolve("web.img").toString());
        assertEquals(ExportFormat.raw, world.disks.exportFormats.get(out.resolve("web.img")));
        ok("export", "web", out.resolve("web-image").toString());
        assertEquals(ExportFormat.qcow2, world.disks.exportFormats.get(out.resolve("web-image")), "no extension: qcow2");
        ok("export", "--format", "raw", "web", out.resolve("web.qcow2").toString());
        assertEquals(ExportFormat.raw, world.disks.exportFormats.get(out.resolve("web.qcow2")), "--format wins over the extension");
        ok("start", "web");
        assertTrue(world.domains.domains.get("default_web").running(), "an export leaves the VM as it was: it starts again");
    }

    @Test
    void nothingStartsTheVmWhileItsDiskIsExported() throws Exception {
        ok("run", "-B", "--name", "web", "img");
        ok("stop", "web");
        CliRunner other = new CliRunner(o -> FakeRoot.root(dir, world, o));
        java.util.concurrent.CompletableFuture<CliRunner.Result> start = new java.util.concurrent.CompletableFuture<>();
        long[] startsDuringExport = {-1};
        world.disks.duringExport = () -> {
            new Thread(() -> start.complete(other.run("start", "web"))).start();
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            startsDuringExport[0] = world.count("start");
        };
        long before = world.count("start");
        ok("export", "web", Files.createDirectory(dir.resolve("out")).resolve("web.qcow2").toString());
        assertEquals(before, startsDuringExport[0], "pb start waited for the VM's lock, which the export holds");
        assertEquals(0, start.get(30, java.util.concurrent.TimeUnit.SECONDS).exit());
        assertEquals(before + 1, world.count("start"), "and started it once the export was done");
    }

    @Test
    void exportRefusesWhatItCannotDoWithItsExitCode() throws Exception {
        Path out = Files.createDirectory(dir.resolve("out"));
        assertOneLineError(pb.run("export", "nope", out.resolve("x.qcow2").toString()), 3, "VM nope not found");
        assertOneLineError(pb.run("export", "Bad_Name", out.resolve("x.qcow2").toString()), 2, "name");
        CliRunner.Result bad = pb.run("export", "--format", "vdi", "web", out.resolve("x.vdi").toString());
        assertOneLineError(bad, 2, "--format");
        ok("apply", "-f", write("halted.yaml", """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata: {name: halted}
                spec: {image: img, runStrategy: Halted}
                """).toString());
        assertOneLineError(pb.run("export", "halted", out.resolve("x.qcow2").toString()), 3, "VM halted has no disk on this host");
        ok("run", "-B", "--name", "web", "img");
        ok("stop", "web");
        Path own = dir.resolve("images/vms/stolen.qcow2");
        assertOneLineError(pb.run("export", "-f", "web", own.toString()), 2, "is in pb's own folder");
        assertEquals(0, world.count("export"));
        assertFalse(Files.exists(own));
    }

    @Test
    void exportIsAVerbOfHelpAndCompletion() {
        assertTrue(ok("--help").out().contains("\n  export "), "listed");
        String help = ok("export", "--help").out();
        for (String flag : List.of("--format", "-f, --force", "NAME", "FILE", "0600")) assertTrue(help.contains(flag), flag + " in\n" + help);
        assertTrue(ok("run", "--help").out().contains("--disk-format"));
        String fish = ok("completion", "fish").out();
        assertTrue(fish.contains("-l format -xa 'qcow2 raw vmdk'") || fish.contains("-l format -x"), fish);
        assertTrue(fish.matches("(?s).*__fish_seen_subcommand_from [a-z ]*export[a-z ]*' -a '\\(__pb_vm_names\\)'.*"), "VM names complete");
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }
}
