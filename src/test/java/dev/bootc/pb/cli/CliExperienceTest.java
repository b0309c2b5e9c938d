package dev.bootc.pb.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rest of the podman-bootc and bcvk surface, in-process on a real file store and the real core,
 * with podman, disks, libvirt and SSH faked at the I/O edge: exit codes, stdout and stderr.
 */
class CliExperienceTest extends InProcessCliTest {

    @Test
    void sshWithNoNameGoesToTheRunningVmCreatedLast() throws Exception {
        ok("run", "-B", "--name", "b-older", "img");
        Thread.sleep(1100); // creation timestamps have whole seconds
        ok("run", "-B", "--name", "a-newer", "img");
        CliRunner.Result r = ok("ssh");
        assertTrue(r.err().contains("Connecting to vm a-newer"), "says which it chose: " + r.err());
        ok("ssh", "--", "uname", "-a");
        ok("ssh", "b-older", "--", "id");
        ok("ssh", "b-older", "hostname");
        assertEquals(List.of("default/a-newer", "default/a-newer uname -a", "default/b-older id", "default/b-older hostname"), world.ssh.sessions);

        ok("stop", "a-newer");
        world.ssh.sessions.clear();
        ok("ssh", "--", "true");
        assertEquals(List.of("default/b-older true"), world.ssh.sessions, "the latest running one, not the latest");
        ok("stop", "b-older");
        assertOneLineError(pb.run("ssh"), 3, "no VM of namespace default is running");
        assertOneLineError(pb.run("ssh", "nope"), 3, "VM nope not found");
    }

    @Test
    void sshToAVmOnALibvirtNetworkGoesToItsAddressAndNeverToTheHostsOwnPort22() {
        world.domains.addresses.put("default_nat", "192.168.122.40");
        ok("run", "-B", "--name", "nat", "--network", "libvirt=default", "img");
        ok("ssh", "nat", "--", "true");
        assertEquals(List.of("192.168.122.40:22"), world.ssh.targets);
        assertTrue(ok("list").out().contains("192.168.122.40:22"), "pb list shows where SSH goes");
        ok("stop", "nat");
        world.domains.addresses.clear();
        world.ssh.targets.clear();
        pb.run("start", "nat"); // running, but libvirt has no lease for it: it never settles
        // refused, not 127.0.0.1:22
        assertOneLineError(pb.run("ssh", "nat", "--", "true"), 1, "VM nat has no address on its libvirt network default yet");
        assertEquals(List.of(), world.ssh.targets);
    }

    @Test
    void removeIsRm() {
        ok("run", "-B", "--name", "vm", "img");
        assertOneLineError(pb.run("remove", "vm"), 4, "vm is running");
        assertEquals("vm\n", ok("remove", "-f", "vm").out());
        assertEquals("", ok("list", "--format", "name").out());
        assertTrue(ok("--help").out().contains("rm, remove"), "listed as an alias");
    }

    @Test
    void labelsAreSetAndSelectedAsKubectlDoes() throws Exception {
        ok("run", "-B", "--name", "web", "--label", "env=dev", "-l", "tier=front", "img");
        ok("run", "-B", "--name", "db", "--label", "env=prod", "--label", "tier=db", "img");
        ok("run", "-B", "--name", "plain", "img");
        assertEquals(Map.of("env", "dev", "tier", "front", BootcVm.NODE_LABEL, "this-node"),
                new ObjectMapper().readTree(ok("get", "web", "-o", "json").out()).get("metadata").get("labels").traverse(new ObjectMapper()).readValueAs(Map.class));
        assertEquals("web\n", ok("list", "-l", "env=dev", "--format", "name").out());
        assertEquals("web\n", ok("list", "-l", "env==dev,tier", "--format", "name").out());
        assertEquals("plain\nweb\n", sorted(ok("list", "-l", "env!=prod", "--format", "name").out()));
        assertEquals("db\nweb\n", sorted(ok("list", "-l", "env in (dev, prod)", "--format", "name").out()));
        assertEquals("plain\n", ok("list", "-l", "!env", "--format", "name").out());
        assertEquals("db\nplain\n", sorted(ok("list", "-l", "tier notin (front)", "--format", "name").out()));
        assertEquals("", ok("list", "-l", "env=dev,tier=db", "--format", "name").out());
        assertTrue(ok("list", "-l", "env=prod").out().startsWith("NAME "), "the table with its header");
        assertTrue(ok("list", "--format", "json").out().contains("\"env\" : \"prod\""), "labels in the JSON rows");
        // labels given to a VM that is reused are added to it
        ok("run", "-B", "--name", "plain", "--label", "team=a", "img");
        assertEquals("plain\n", ok("list", "-l", "team=a", "--format", "name").out());

        assertOneLineError(pb.run("list", "-l", "env in dev"), 2, "--selector: invalid value");
        assertOneLineError(pb.run("list", "-l", "-bad=x"), 2, "not a label key");
        assertOneLineError(pb.run("run", "-B", "--name", "x", "--label", "env", "img"), 2, "--label: invalid value \"env\": must be KEY=VALUE");
        assertOneLineError(pb.run("run", "-B", "--name", "x", "--label", "env=two words", "img"), 2, "a label value is empty or");
        assertFalse(Files.exists(dir.resolve("store/default/x.yaml")), "nothing written");
    }

    @Test
    void listFormatNameAndNoHeaders() {
        ok("run", "-B", "--name", "one", "img");
        ok("run", "-B", "--name", "two", "img");
        assertEquals("one\ntwo\n", sorted(ok("list", "--format", "name").out()));
        String table = ok("list").out();
        String bare = ok("list", "--no-headers").out();
        assertTrue(table.startsWith("NAME"), table);
        assertEquals(table.substring(table.indexOf('\n') + 1), bare);
        assertEquals(2, bare.lines().count());
        assertEquals("", new CliRunner(o -> FakeRoot.root(dir.resolve("empty"), new FakeWorld(), o)).run("list", "--no-headers").out());
        assertEquals(2, pb.run("list", "--format", "names").exit());
    }

    @Test
    void inspectAndGetPrintFieldsWithJsonpath() {
        ok("run", "-B", "--name", "vm", "--label", "env=dev", "img:1");
        assertEquals("vm Running", ok("inspect", "vm", "-o", "jsonpath={.name} {.status.phase}").out());
        assertEquals("True", ok("inspect", "vm", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").out());
        assertEquals("40022", ok("inspect", "vm", "--format", "jsonpath={.runtime.sshPort}").out());
        assertEquals("dev", ok("get", "vm", "-o", "jsonpath={.metadata.labels.env}").out());
        assertEquals("this-node", ok("get", "vm", "-o", "jsonpath={.metadata.labels['bootc.dev/node']}").out());
        assertEquals("this-node", ok("get", "vm", "-o", "jsonpath={.metadata.labels.bootc\\.dev/node}").out());
        String each = ok("get", "vm", "-o", "jsonpath={range .status.conditions[*]}{.type}={.status}{\"\\n\"}{end}").out();
        assertTrue(each.contains("Ready=True\n") && each.contains("SshReady=True\n"), each);
        assertEquals("", ok("inspect", "vm", "-o", "jsonpath={.no.such.field}").out(), "missing prints nothing, as kubectl");
        assertTrue(ok("inspect", "vm", "-o", "json").out().startsWith("{"));
        assertTrue(ok("inspect", "vm").out().startsWith("name: vm"));
        CliRunner.Result bad = pb.run("inspect", "vm", "-o", "jsonpath={.status");
        assertEquals(2, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("unclosed {"), bad.err());
        assertEquals(2, pb.run("inspect", "vm", "-o", "xml").exit());
    }

    @Test
    void runCloudinitRecordsTheFolderAndBuildsTheSeed() throws Exception {
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Files.writeString(ci.resolve("user-data"), "#cloud-config\n");
        ok("run", "-B", "--name", "vm", "--cloudinit", ci.toString(), "img");
        assertEquals(ci.toString(), ok("get", "vm", "-o", "jsonpath={.spec.cloudInit.path}").out());
        Path iso = dir.resolve("images/vms/default_vm_cidata.iso");
        assertEquals(ci.toString(), world.disks.seeds.get(iso).get("folder"));
        assertEquals(iso, world.domains.specs.get("default_vm").cloudInitSeed().iso());
        assertEquals(iso.toString(), ok("inspect", "vm", "-o", "jsonpath={.runtime.cloudInitSeed}").out());

        assertOneLineError(pb.run("run", "-B", "--name", "x", "--cloudinit", dir.resolve("nope").toString(), "img"), 2, "is not a folder");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertOneLineError(pb.run("run", "-B", "--name", "x", "--cloudinit", empty.toString(), "img"), 2, "holds none of user-data");
        assertFalse(Files.exists(dir.resolve("store/default/x.yaml")), "nothing written");
        assertTrue(ok("run", "--help").out().contains("--cloudinit=DIR"));
    }

    @Test
    void logsPrintTheSerialLogAndFollowItUntilTheVmGoes() throws Exception {
        ok("run", "-B", "--name", "vm", "img");
        Path log = dir.resolve("data/vms/default/vm/serial.log");
        assertOneLineError(pb.run("logs", "vm"), 3, "has no serial log");
        world.domains.bootLog(log, "Linux version 6.12\nlogin: ");
        assertEquals("Linux version 6.12\nlogin: ", ok("logs", "vm").out());
        assertOneLineError(pb.run("logs", "nope"), 3, "VM nope not found");

        CompletableFuture<CliRunner.Result> follow = CompletableFuture.supplyAsync(() -> new CliRunner(o -> FakeRoot.root(dir, world, o))
                .run("logs", "-f", "vm"));
        Thread.sleep(600);
        world.domains.appendLog(log, "root\n");
        Thread.sleep(600);
        world.domains.bootLog(log, "second boot\n"); // a new file: read from its start
        Thread.sleep(600);
        assertFalse(follow.isDone(), "-f keeps following");
        ok("rm", "-f", "vm");
        CliRunner.Result r = follow.get(10, TimeUnit.SECONDS);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("Linux version 6.12\nlogin: root\nsecond boot\n", r.out());
    }

    @Test
    void consoleAttachesToTheRunningVmsDomain() {
        ok("run", "-B", "--name", "vm", "img");
        ok("console", "vm");
        assertEquals(List.of("default_vm"), world.domains.consoles);
        ok("stop", "vm");
        assertOneLineError(pb.run("console", "vm"), 1, "VM vm is not running: pb start vm");
        assertOneLineError(pb.run("console", "nope"), 3, "VM nope not found");
    }

    @Test
    void runConsoleShowsTheBootOnStderrAndStepsArePlainLines() {
        world.domains.bootLog(dir.resolve("data/vms/default/vm/serial.log"), "");
        world.ssh.ready = false;
        Thread booting = new Thread(() -> {
            sleep(800);
            world.domains.bootLog(dir.resolve("data/vms/default/vm/serial.log"), "[    0.000000] Linux version 6.12\r\nWelcome to Debian\r\n");
            sleep(800);
            world.ssh.ready = true;
        });
        booting.start();
        CliRunner.Result r = ok("run", "-B", "--console", "--name", "vm", "img");
        assertTrue(r.err().contains("Welcome to Debian"), r.err());
        assertTrue(r.err().matches("(?s).*\\[ *\\d+\\.\\ds] Starting VM vm.*"), r.err());
        assertFalse(r.out().contains("Welcome"), "stdout keeps the result only: " + r.out());
    }

    @Test
    void progressIsTimestampedLinesOffATerminalAndNothingWhenQuiet() {
        CliRunner.Result r = ok("run", "-B", "--name", "vm", "img");
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.stream().allMatch(l -> l.matches("\\[ *\\d+\\.\\ds] .+")), r.err());
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("] Building disk")), r.err());
        assertFalse(r.err().contains("\r") || r.err().contains("\u001b"), "no redraws, no colours off a terminal");
        CliRunner.Result quiet = ok("-q", "run", "-B", "--name", "vm2", "img");
        assertEquals("", quiet.err());
    }

    @Test
    void imagesHasPodmanBootcsColumns() {
        // podman-bootc's cmd/images.go: these columns, through podman's report writer (tabwriter 12, 2, 2)
        assertEquals("REPOSITORY            TAG         IMAGE ID    CREATED        SIZE\n"
                + "localhost/pb-fixture  latest      abc123      2 minutes ago  400 MB\n", ok("images").out());
    }

    @Test
    void everyNewVerbIsInTheHelp() {
        String help = ok("--help").out();
        for (String verb : List.of("logs", "console", "rm, remove")) assertTrue(help.contains("  " + verb), verb + " in\n" + help);
        String run = ok("run", "--help").out();
        for (String flag : List.of("--cloudinit=DIR", "-l, --label=KEY=VALUE", "--console")) assertTrue(run.contains(flag), flag);
        assertTrue(ok("list", "--help").out().contains("-l, --selector=SELECTOR"));
    }

    static String sorted(String lines) {
        return String.join("\n", lines.lines().sorted().toList()) + (lines.isEmpty() ? "" : "\n");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
