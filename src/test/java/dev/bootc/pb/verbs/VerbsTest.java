package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.api.RunStrategy;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The verbs on a real file store and the real core, with podman, disks, libvirt and SSH faked at the I/O edge. */
class VerbsTest {
    @TempDir
    Path dir;
    FakeWorld world;
    Root root;
    final List<String> heard = new ArrayList<>();

    final RunVerb.Feedback feedback = new RunVerb.Feedback() {
        @Override
        public void progress(String line) {
            heard.add(line);
        }

        @Override
        public void connecting(String vmName, boolean withCommand) {
            heard.add("connecting " + vmName);
        }
    };

    @BeforeEach
    void setUp() {
        world = new FakeWorld();
        world.ssh.ready = true;
        root = FakeRoot.root(dir, world);
    }

    RunVerb.Request request(String name, String image, boolean background, List<String> command) {
        return new RunVerb.Request(name, new BootcVmSpec(image), false, background, false, command);
    }

    @Test
    void runDeclaresBringsUpAndReturnsInTheBackground() {
        RunVerb.Result r = root.run().run(request(null, "quay.io/fedora/fedora-bootc:42", true, List.of()), feedback);
        assertEquals(new RunVerb.Result("fedora-bootc-42", true, 0), r);
        BootcVm vm = root.views().get("fedora-bootc-42");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("this-node", vm.getSpec().getNodeName());
        assertEquals(Map.of(BootcVm.NODE_LABEL, "this-node"), vm.getMetadata().getLabels());
        assertTrue(vm.getMetadata().getFinalizers().contains(BootcVm.FINALIZER));
        assertTrue(heard.contains("Pulling image quay.io/fedora/fedora-bootc:42"), heard.toString());
        assertFalse(heard.contains("connecting fedora-bootc-42"));
    }

    @Test
    void runWithACommandConnectsThenRemovesTheVm() {
        RunVerb.Result r = root.run().run(request("once", "img", false, List.of("true")), feedback);
        assertEquals(0, r.exitCode());
        assertTrue(heard.contains("connecting once"));
        assertEquals(1, world.count("connect"));
        assertTrue(root.vms().find("once").isEmpty(), "podman-bootc's form: the VM goes after the command");
        assertTrue(world.domains.domains.isEmpty());
    }

    @Test
    void runningTheSameImageAgainReusesTheVmAnotherImageIsAConflict() {
        root.run().run(request("web", "img:1", true, List.of()), feedback);
        world.calls.clear();
        root.run().run(request("web", "img:1", true, List.of()), feedback);
        assertFalse(world.calls.contains("build"), "reused: " + world.calls);
        PbException e = assertThrows(PbException.class, () -> root.run().run(request("web", "img:2", true, List.of()), feedback));
        assertEquals(Failure.NameTaken, e.failure());
        assertEquals(4, e.exitCode());
        RunVerb.Request replace = new RunVerb.Request("web", new BootcVmSpec("img:2"), true, true, false, List.of());
        root.run().run(replace, feedback);
        assertEquals("img:2", root.views().get("web").getSpec().getImage());
    }

    @Test
    void aFirstRunWhosePullAndBuildOutlastTheRunTimeoutStillWaitsForItsGuest() {
        Root quick = FakeRoot.root(dir, world, Map.of("PB_RUN_TIMEOUT", "1"));
        world.ssh.ready = false;
        world.disks.buildMillis = 1500; // longer than the whole wait
        world.disks.duringBuild = () -> java.util.concurrent.CompletableFuture.runAsync(() -> {
            FakeWorld.sleep(300);
            world.ssh.ready = true; // the guest answers 0.3 s after its domain started
        });
        RunVerb.Result r = quick.run().run(request("slow", "img", true, List.of()), feedback);
        assertEquals(0, r.exitCode());
        assertEquals(Phase.Running, quick.views().get("slow").getStatus().getPhase());
    }

    @Test
    void aRunWhoseImageCannotBeHadLeavesNothingBehind() throws Exception {
        world.images.failResolve = Failure.ImageNotFound.with("image nope not found");
        long start = System.nanoTime();
        PbException e = assertThrows(PbException.class, () -> root.run().run(request("gone", "nope", true, List.of()), feedback));
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "a terminal failure ends the wait at once");
        assertEquals(Failure.ImageNotFound, e.failure());
        assertTrue(root.vms().find("gone").isEmpty(), "the VM it declared is gone");
        assertFalse(Files.exists(dir.resolve("store/default/gone.yaml")));
    }

    @Test
    void volumesALocalImageCannotHaveAreRefusedBeforeAnythingIsWritten() {
        RunVerb.Request r = new RunVerb.Request("v", new BootcVmSpec("img"), false, true, false, List.of());
        r.spec().setVolumes(List.of(new VolumeMount("/srv", "/data", false)));
        PbException e = assertThrows(PbException.class, () -> root.run().run(r, feedback));
        assertEquals(Failure.InvalidGuestPath, e.failure());
        assertFalse(Files.exists(dir.resolve("store/default/v.yaml")), "nothing written");
        assertTrue(world.calls.isEmpty(), world.calls.toString());
    }

    @Test
    void stopAndStartFlipTheRunStrategyAndWait() {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        BootcVm stopped = root.lifecycle().stop("vm", heard::add);
        assertEquals(RunStrategy.Halted, stopped.getSpec().getRunStrategy());
        assertEquals(Phase.Stopped, stopped.getStatus().getPhase());
        assertTrue(world.calls.contains("shutdown"));
        BootcVm started = root.lifecycle().start("vm", heard::add);
        assertEquals(Phase.Running, started.getStatus().getPhase());
    }

    @Test
    void startTriesAFailedVmAgain() {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        world.domains.stopBehindOurBack("default_vm");
        world.ssh.ready = false;
        world.domains.failDefine = null;
        // a guest that broke for good: an SSH timeout recorded at the current generation
        BootcVm vm = root.vms().require("vm");
        var st = vm.getStatus();
        st.getConditions().forEach(c -> {
            if (c.getType().equals("Ready")) {
                c.setStatus("False");
                c.setReason("SshTimeout");
            }
        });
        root.vms().store().updateStatus(vm);
        world.ssh.ready = true;
        world.calls.clear();
        BootcVm started = root.lifecycle().start("vm", heard::add);
        assertEquals(Phase.Running, started.getStatus().getPhase());
        assertTrue(world.calls.contains("start"), world.calls.toString());
    }

    @Test
    void removeTakesTheVmItsDiskAndItsDomain() {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        PbException running = assertThrows(PbException.class, () -> root.lifecycle().remove("vm", false, heard::add));
        assertEquals(Failure.VmRunning, running.failure());
        root.lifecycle().remove("vm", true, heard::add);
        assertTrue(root.vms().find("vm").isEmpty());
        assertTrue(world.domains.domains.isEmpty());
        assertTrue(world.disks.overlays.isEmpty());
        assertEquals(Failure.VmNotFound, assertThrows(PbException.class, () -> root.lifecycle().remove("vm", true, heard::add)).failure());
    }

    @Test
    void anOrphanedDomainIsListedAndRemovedThroughTheCore() {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        root.vms().store().delete("default", "vm"); // marked for deletion (finalizer) ...
        BootcVm marked = root.vms().require("vm");
        marked.getMetadata().setFinalizers(List.of());
        root.vms().store().update(marked); // ... and let go without its cleanup: the domain is an orphan
        var rows = root.views().list().rows();
        assertEquals(1, rows.size());
        assertTrue(rows.get(0).orphan());
        root.lifecycle().remove("vm", true, heard::add);
        assertTrue(world.domains.domains.isEmpty());
        assertTrue(root.views().list().rows().isEmpty());
    }

    @Test
    void listShowsWhatLibvirtShowsAndAnUnreadableFile() throws Exception {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        Files.writeString(dir.resolve("store/default/broken.yaml"), "apiVersion: [\n");
        var listing = root.views().list();
        assertNull(listing.warning());
        VmRow vm = listing.rows().stream().filter(r -> r.name().equals("vm")).findFirst().orElseThrow();
        assertTrue(vm.running());
        assertEquals(40022, vm.sshPort());
        VmRow broken = listing.rows().stream().filter(r -> r.name().equals("broken")).findFirst().orElseThrow();
        assertTrue(broken.invalid());
        assertTrue(broken.problem().contains("does not parse"), broken.problem());
        root.lifecycle().remove("broken", true, heard::add);
        assertFalse(Files.exists(dir.resolve("store/default/broken.yaml")), "rm -f cleans a broken file up");
    }

    @Test
    void listShowsAFileNamedOtherwiseInsideOrWithNoResourceNameAsInvalidUnderItsPath() throws Exception {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        Files.writeString(dir.resolve("store/default/b.yaml"), "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n"
                + "  name: ../../../../../tmp/victim\n  namespace: default\nspec:\n  image: img\n");
        Files.writeString(dir.resolve("store/default/Not_A_Name.yaml"), "apiVersion: [\n");
        var rows = root.views().list().rows();
        assertEquals(List.of("vm", "Not_A_Name", "b"), rows.stream().map(VmRow::name).toList(), "the resource, then the invalid files by path");
        VmRow b = rows.get(2);
        assertTrue(b.invalid() && b.problem().contains("../../../../../tmp/victim"), b.toString());
        assertTrue(rows.get(1).invalid() && rows.get(1).problem().contains("DNS labels"), rows.get(1).toString());
        root.lifecycle().remove("b", true, heard::add);
        assertFalse(Files.exists(dir.resolve("store/default/b.yaml")), "rm -f cleans it up");
    }

    @Test
    void inspectJoinsTheResourceWithLibvirtAndItsEvents() {
        root.run().run(request("vm", "img", true, List.of()), feedback);
        Map<String, Object> view = root.views().inspect("vm");
        @SuppressWarnings("unchecked")
        Map<String, Object> runtime = (Map<String, Object>) view.get("runtime");
        assertEquals(true, runtime.get("running"));
        assertEquals("default_vm", runtime.get("domain"));
        @SuppressWarnings("unchecked")
        List<dev.bootc.pb.store.EventLog.Recorded> events = (List<dev.bootc.pb.store.EventLog.Recorded>) view.get("events");
        assertTrue(events.stream().anyMatch(e -> e.reason().equals("Started")), "the in-process driver records events: " + events);
    }

    @Test
    void applyCreatesConfiguresAndKeepsUnchanged() {
        BootcVm doc = new BootcVm("default", "a", new BootcVmSpec("img"));
        doc.getSpec().setRunStrategy(RunStrategy.Halted);
        assertEquals("created", root.apply().apply(List.of(doc.copy())).get(0).action());
        assertEquals("unchanged", root.apply().apply(List.of(doc.copy())).get(0).action());
        doc.getSpec().setImage("img:2");
        assertEquals("configured", root.apply().apply(List.of(doc.copy())).get(0).action());
        assertEquals("this-node", root.views().get("a").getMetadata().getLabels().get(BootcVm.NODE_LABEL));
        root.apply().awaitSettled(List.of(doc), heard::add);
        assertEquals(Phase.Stopped, root.views().get("a").getStatus().getPhase());
    }

    @Test
    void cacheAndImagesAreData() {
        assertEquals(List.of(), root.cache().list());
        assertEquals("localhost/pb-fixture", root.cache().images().get(0).repository());
    }

    @Test
    void applyWaitReportsAnImageUpdateThatWasRolledBackAndTheVmStaysReadyOnItsImage() {
        root.run().run(request("web", "localhost/os:v1", true, List.of()), feedback);
        world.images.digests.put("localhost/os:v2", "sha256:2222");
        world.guest.unhealthy.add("sha256:2222");
        BootcVm doc = root.views().get("web");
        BootcVm changed = new BootcVm("default", "web", doc.getSpec().copy());
        changed.getSpec().setImage("localhost/os:v2");
        root.apply().apply(List.of(changed));
        PbException e = assertThrows(PbException.class, () -> root.apply().awaitSettled(List.of(changed), heard::add));
        assertEquals(Failure.UpdateFailed, e.failure());
        assertTrue(e.getMessage().startsWith("VM web: Update to localhost/os:v2 (sha256:2222) failed: the health check"), e.getMessage());
        BootcVm vm = root.views().get("web");
        assertEquals(Phase.Running, vm.getStatus().getPhase());
        assertEquals("sha256:feed", vm.getStatus().getImageDigest(), "the previous image runs");
        assertTrue(heard.stream().anyMatch(l -> l.contains("rolling back")), heard.toString());
    }

    @Test
    void upgradeOnAStoreAnOperatorReconcilesStampsTheRequestAndWaitsForTheOperator() {
        root.run().run(request("web", "localhost/os:latest", true, List.of()), feedback);
        world.images.digests.put("localhost/os:latest", "sha256:3333");
        // the operator: passes of the real core in this process; pb upgrade itself must not update the guest
        Updates asking = new Updates(root.vms(), () -> {
            throw new AssertionError("pb upgrade ran the update itself");
        }, new dev.bootc.pb.driver.InProcessConvergence(root.support()), java.time.Duration.ofMinutes(1));
        List<Updates.Report> r = asking.upgrade(List.of("web"), false, null, dev.bootc.pb.port.Progress.none());
        assertEquals(Updates.Outcome.UPDATED, r.get(0).outcome());
        assertEquals("sha256:3333", r.get(0).after().getDigest());
        BootcVm vm = root.views().get("web");
        String stamp = vm.getMetadata().getAnnotations().get(BootcVm.UPGRADE_REQUESTED);
        assertEquals(stamp, vm.getStatus().getUpdate().getRequest(), "the operator recorded acting on this request");
        assertEquals("sha256:3333", vm.getStatus().getImageDigest());
    }
}
