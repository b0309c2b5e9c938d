package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.port.Images.StoredImage;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.testing.FakeWorld;
import dev.bootc.pb.testing.TestClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How an image the user typed is told an ID or a name, in podman's order; and what a resource may hold. */
class ImageNamesTest {
    static final String ID = "3263797674a4" + "1".repeat(52);
    static final List<StoredImage> STORED = List.of(
            new StoredImage(ID, List.of("quay.io/fedora/fedora-bootc:42", "localhost/alias:1")),
            new StoredImage("abc123" + "2".repeat(58), List.of()),
            new StoredImage("abc999" + "3".repeat(58), List.of("quay.io/team/abc123:latest")),
            new StoredImage("fe" + "4".repeat(62), List.of("localhost/fe:latest")),
            new StoredImage("beef" + "5".repeat(60), List.of()));

    static ImageNames.Named identify(String text) {
        return ImageNames.identify(text, () -> STORED);
    }

    @Test
    void textThatCannotBeAnIdAsksPodmanNothing() {
        AtomicInteger asked = new AtomicInteger();
        Supplier<List<StoredImage>> counting = () -> {
            asked.incrementAndGet();
            return STORED;
        };
        for (String ref : List.of("quay.io/fedora/fedora-bootc:42", "fedora", "localhost/x@sha256:" + "a".repeat(64), "Cafe", "x:1")) {
            assertEquals(ref, ImageNames.identify(ref, counting).reference());
        }
        assertEquals(0, asked.get());
    }

    @Test
    void idsInEveryFormPodmanTakes() {
        for (String text : List.of(ID, "sha256:" + ID, ID.substring(0, 12), "3263")) {
            ImageNames.Named n = identify(text);
            assertTrue(n.byId(), text);
            assertEquals("quay.io/fedora/fedora-bootc:42", n.reference(), text);
        }
        ImageNames.Named untagged = identify("beef");
        assertTrue(untagged.untagged());
        assertEquals("sha256:beef" + "5".repeat(60), untagged.reference());
        PbException gone = assertThrows(PbException.class, () -> identify("9".repeat(64)));
        assertEquals("ImageNotFound", gone.reason());
    }

    @Test
    void aNameComesBeforeAnIdPrefixAsInPodman() {
        assertEquals(new ImageNames.Named("fe", null), identify("fe"), "localhost/fe:latest, not the ID that begins fe");
        // abc123 begins one ID, and is a repository only as quay.io/team/abc123 (podman's last resort, after IDs)
        assertTrue(identify("abc123").byId());
        assertFalse(identify("cafe").byId(), "no such ID: a name to pull");
    }

    @Test
    void anAmbiguousPrefixNamesItsCandidates() {
        PbException e = assertThrows(PbException.class, () -> identify("abc"));
        assertEquals("InvalidImage", e.reason());
        assertEquals("image ID abc is ambiguous: it begins 2 local images' IDs (abc123222222 untagged, abc999333333 quay.io/team/abc123:latest):"
                + " give more of the ID, or the image's name", e.getMessage());
    }

    @Test
    void aResourceHoldsAReferenceOrAFullIdNeverAShortId() {
        ImageNames.requireReference("spec.image", "sha256:" + ID, () -> STORED);
        ImageNames.requireReference("spec.image", "cafe", () -> STORED);
        PbException e = assertThrows(PbException.class, () -> ImageNames.requireReference("spec.image", "beef", () -> STORED));
        assertEquals("spec.image: invalid value \"beef\": the short ID of local image (untagged) beef55555555, which can come to mean another"
                + " image: write image: sha256:beef" + "5".repeat(60) + " (its full ID; better, tag it: podman tag beef55555555 NAME:TAG)", e.getMessage());
    }

    @Test
    void theOperatorRefusesAResourceOfAShortIdForGood() {
        FakeWorld world = new FakeWorld();
        world.images.stored.addAll(STORED);
        VmReconciler core = new VmReconciler(world.images, world.disks, world.domains, world.ssh, new VmLayout(Path.of("/data"), Path.of("/images")),
                new VmReconciler.Timeouts(Duration.ofMinutes(5), Duration.ofSeconds(10)), new TestClock());
        BootcVm vm = new BootcVm("default", "by-id", new BootcVmSpec("3263797674a4"));
        vm.getMetadata().setUid("uid-1");
        vm.getMetadata().setGeneration(1L);
        Outcome o = core.reconcile(vm, Progress.none());
        assertEquals("InvalidImage", o.status().condition(Conditions.READY).orElseThrow().getReason());
        assertTrue(o.failure().terminal());
        assertTrue(o.status().condition(Conditions.READY).orElseThrow().getMessage().contains("write image: quay.io/fedora/fedora-bootc:42"));
        assertEquals(0, world.count("resolve"), "nothing pulled, nothing built");
    }
}
