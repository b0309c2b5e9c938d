package dev.bootc.pb.disk;

import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images.StoredImage;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.ImageNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image IDs and digests against the real podman of this host, on small images of the test's own
 * ({@code localhost/pb-imgtest-*}, labelled bootable, removed afterwards): what pb takes for an ID is what podman does.
 */
class ImageIdsPodmanTest {
    static final String A = "localhost/pb-imgtest-a:latest";
    static final String ALIAS = "localhost/pb-imgtest-alias:v1";
    static final ProcessRunner LOCAL = ProcessRunner.local();
    static final List<String> MADE = new ArrayList<>();
    static Path dir;
    static String id;
    static String digest;
    static PodmanImages podman;

    @BeforeAll
    static void images() throws IOException {
        dir = Files.createTempDirectory("pb-imgtest");
        id = importImage(A, "a");
        podman("tag", A, ALIAS);
        MADE.add(ALIAS);
        digest = podman("image", "inspect", "--format", "{{.Digest}}", A).strip();
        podman = new PodmanImages(LOCAL, true, dir.resolve("install-config"));
    }

    @AfterAll
    static void removeThem() {
        for (String image : MADE) LOCAL.run(Command.of("podman", "rmi", "-f", image));
    }

    static String importImage(String name, String content) throws IOException {
        Path root = Files.createDirectories(dir.resolve(content).resolve("etc"));
        Files.writeString(root.resolve("pb-imgtest"), content + "\n");
        Path tar = dir.resolve(content + ".tar");
        ProcessResult t = LOCAL.run(Command.of("tar", "-C", root.getParent().toString(), "-cf", tar.toString(), "."));
        assertTrue(t.ok(), t.failureMessage("tar"));
        MADE.add(name);
        return podman("import", "--change", "LABEL containers.bootc=1", tar.toString(), name).strip().replace("sha256:", "");
    }

    static String podman(String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        cmd.addAll(List.of(args));
        ProcessResult r = LOCAL.run(Command.of(cmd));
        assertTrue(r.ok(), r.failureMessage(String.join(" ", cmd)));
        return r.stdout();
    }

    @Test
    void storedImagesListsEachImageOnceWithItsTagsFirstFirst() {
        List<StoredImage> mine = podman.storedImages().stream().filter(i -> i.id().equals(id)).toList();
        assertEquals(1, mine.size(), "podman 4.3 repeats an image per tag in its JSON: " + mine);
        assertEquals(List.of(A, ALIAS), mine.get(0).names());
    }

    @Test
    void aShortIdAndAFullIdNameTheImagesFirstTag() {
        assertEquals(A, ImageNames.identify(id.substring(0, 12), podman::storedImages).reference());
        assertEquals(A, ImageNames.identify(id, podman::storedImages).reference());
        assertEquals(A, ImageNames.identify("sha256:" + id, podman::storedImages).reference());
        Image byId = podman.resolve("sha256:" + id, PullPolicy.Always, Progress.none());
        assertEquals(id, byId.id(), "an ID is never pulled, whatever the policy");
        PbException missing = assertThrows(PbException.class, () -> podman.resolve("sha256:" + "0".repeat(64), PullPolicy.IfNotPresent, Progress.none()));
        assertEquals("ImageNotFound", missing.reason(), missing.getMessage());
        assertTrue(missing.getMessage().contains("an image ID cannot be pulled"), missing.getMessage());
    }

    @Test
    void aReferenceByDigestWithOrWithoutItsTagIsTheImageInLocalStorage() {
        for (String ref : List.of("localhost/pb-imgtest-a@" + digest, A + "@" + digest, "localhost/pb-imgtest-alias@" + digest)) {
            Image image = podman.resolve(ref, PullPolicy.Never, Progress.none());
            assertEquals(id, image.id(), ref);
            assertEquals(digest, image.digest(), ref);
            assertEquals(ref, image.reference(), "the reference stays as given: " + ref);
        }
        assertEquals(0, LOCAL.run(Command.of("podman", "image", "exists", "localhost/pb-imgtest-a@" + digest)).exitCode());
    }

    /** Imports small images until two of them share the first hex digit of their ID: 17 are enough, by pigeonhole. */
    @Test
    void aPrefixPodmanFindsAmbiguousIsRefusedAndOnePodmanFindsIsTheSameImage() throws IOException {
        Map<Character, String> byFirst = new HashMap<>();
        byFirst.put(id.charAt(0), id);
        String prefix = null;
        for (int i = 0; i < 17 && prefix == null; i++) {
            String other = importImage("localhost/pb-imgtest-n" + i + ":latest", "n" + i);
            String seen = byFirst.putIfAbsent(other.charAt(0), other);
            if (seen != null) prefix = other.substring(0, 1);
        }
        assertTrue(prefix != null);
        String p = prefix;
        PbException e = assertThrows(PbException.class, () -> ImageNames.identify(p, podman::storedImages));
        assertEquals("InvalidImage", e.reason());
        assertTrue(e.getMessage().startsWith("image ID " + p + " is ambiguous"), e.getMessage());
        assertEquals(1, LOCAL.run(Command.of("podman", "image", "exists", p)).exitCode(), "podman finds no single image by it either");
        String unique = id.substring(0, 12);
        ProcessResult inspect = LOCAL.run(Command.of("podman", "image", "inspect", "--format", "{{.Id}}", unique));
        assertEquals(inspect.stdout().strip(), ImageNames.identify(unique, podman::storedImages).image().id(), "the image podman finds");
    }
}
