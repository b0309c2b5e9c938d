package dev.bootc.pb.cli;

import dev.bootc.pb.port.Images.StoredImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * podman-bootc takes what podman takes: an image ID (whole, or a unique prefix as podman images shows it) and a
 * reference by digest. In-process on a real file store and the real core; podman's local storage is the fake's list.
 */
class ImageReferencesCliTest extends InProcessCliTest {
    static final String FEDORA_ID = "3263797674a4" + "1".repeat(52);
    static final String UNTAGGED_ID = "9f0e2a4b6c8d" + "2".repeat(52);
    static final String DIGEST = "sha256:abcdef123456" + "3".repeat(52);


    @BeforeEach
    void twoImages() {
        world.images.stored.add(new StoredImage(FEDORA_ID, List.of("quay.io/fedora/fedora-bootc:42", "localhost/fedora-alias:v1")));
        world.images.stored.add(new StoredImage(UNTAGGED_ID, List.of()));
    }

    String image(String vm) {
        return ok("get", vm, "-o", "jsonpath={.spec.image}").out();
    }

    @Test
    void aShortIdAsPodmanImagesShowsItIsTheImageItsFirstTagNames() {
        CliRunner.Result r = ok("run", "-B", "3263797674a4");
        assertTrue(r.out().contains("VM fedora-bootc-42 is running"), r.toString());
        assertEquals("quay.io/fedora/fedora-bootc:42", image("fedora-bootc-42"), "the resource records the reference the guest follows");
        assertEquals("fedora-bootc-42\n", ok("list", "--format", "name").out());
    }

    @Test
    void aUniquePrefixAndTheFullIdNameTheSameImageAndReuseItsVm() {
        ok("run", "-B", "32637");
        ok("run", "-B", FEDORA_ID);
        ok("run", "-B", "sha256:" + FEDORA_ID);
        ok("run", "-B", "quay.io/fedora/fedora-bootc:42");
        assertEquals("fedora-bootc-42\n", ok("list", "--format", "name").out(), "one VM: every spelling is the same image and reference");
    }

    @Test
    void anUntaggedImageGivesVmAndItsShortIdAndRecordsItsIdSayingSo() {
        CliRunner.Result r = ok("run", "-B", "9f0e2a4b6c8d");
        assertEquals("sha256:" + UNTAGGED_ID, image("vm-9f0e2a4b6c8d"));
        assertTrue(r.err().contains("Warning: image 9f0e2a4b6c8d has no repository tag: VM vm-9f0e2a4b6c8d records its ID"), r.err());
        assertTrue(ok("list").out().contains("sha256:9f0e2a4b6c8d "), "the REPO column shows the ID cut to 12 digits: " + ok("list").out());
    }

    @Test
    void anAmbiguousPrefixIsExitTwoNamingTheCandidatesAndWritesNothing() {
        world.images.stored.add(new StoredImage("32aa" + "4".repeat(60), List.of("localhost/other:1")));
        CliRunner.Result r = pb.run("run", "-B", "32");
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("Error: image ID 32 is ambiguous"), r.err());
        assertTrue(r.err().contains("3263797674a4 quay.io/fedora/fedora-bootc:42") && r.err().contains("32aa44444444 localhost/other:1"), r.err());
        assertEquals("", ok("list", "--format", "name").out(), "nothing written");
        assertEquals(0, world.count("resolve"), "podman was asked nothing more");
    }

    @Test
    void aNameThatIsAlsoHexIsTheNameWhenPodmanHasThatRepository() {
        world.images.stored.add(new StoredImage("cafe" + "5".repeat(60), List.of("localhost/unrelated:1")));
        world.images.stored.add(new StoredImage("beef" + "6".repeat(60), List.of("localhost/cafe:latest")));
        ok("run", "-B", "cafe");
        assertEquals("cafe", image("cafe-latest"), "podman tries localhost/cafe:latest before an ID beginning with cafe");
    }

    @Test
    void aReferenceByDigestRunsUnderTheNameWithoutTheDigestAndListsShortened() {
        ok("run", "-B", "quay.io/fedora/fedora-bootc:42@" + DIGEST);
        assertEquals("quay.io/fedora/fedora-bootc:42@" + DIGEST, image("fedora-bootc-42"), "the pin is kept whole in the resource");
        ok("run", "-B", "quay.io/fedora/fedora-bootc@" + DIGEST);
        assertEquals("quay.io/fedora/fedora-bootc@" + DIGEST, image("fedora-bootc"));
        String table = ok("list").out();
        assertTrue(table.contains("quay.io/fedora/fedora-bootc@sha256:abcdef123456 "), table);
        assertFalse(table.contains(DIGEST), "not the whole 71 characters: " + table);
        assertTrue(ok("list", "--format", "json").out().contains(DIGEST), "json keeps the whole reference");
        assertEquals(0, world.count("storedImages"), "a reference by digest asks podman for no list");
    }

    @Test
    void applyTakesADigestReferenceAndRefusesAShortId() throws Exception {
        Path pinned = dir.resolve("pinned.yaml");
        Files.writeString(pinned, doc("pinned", "quay.io/fedora/fedora-bootc:42@" + DIGEST));
        assertEquals("bootcvm.bootc.dev/pinned created\n", ok("apply", "-f", pinned.toString()).out());
        assertEquals("quay.io/fedora/fedora-bootc:42@" + DIGEST, image("pinned"));

        Path byId = dir.resolve("by-id.yaml");
        Files.writeString(byId, doc("by-id", "3263797674a4"));
        CliRunner.Result r = pb.run("apply", "-f", byId.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains("spec.image: invalid value \"3263797674a4\": the short ID of local image 3263797674a4")
                && r.err().contains("write image: quay.io/fedora/fedora-bootc:42"), r.err());
        assertEquals(3, pb.run("get", "by-id").exit(), "nothing written");

        Files.writeString(byId, doc("by-id", "sha256:" + UNTAGGED_ID));
        ok("apply", "-f", byId.toString());
        assertEquals("sha256:" + UNTAGGED_ID, image("by-id"), "a full ID never changes meaning: kept as written");
    }

    static String doc(String name, String image) {
        return """
                apiVersion: bootc.dev/v1alpha1
                kind: BootcVm
                metadata:
                  name: %s
                spec:
                  image: %s
                """.formatted(name, image);
    }
}
