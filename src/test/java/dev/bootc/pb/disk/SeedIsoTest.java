package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.CloudInitSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NoCloud seeds made with the host's real genisoimage (what pb doctor installs on Debian), read back
 * with blkid and isoinfo as cloud-init's blkid and mount would see them.
 */
class SeedIsoTest {
    @TempDir
    Path dir;

    static final Map<String, String> DEFAULTS = Map.of("meta-data", "instance-id: pb-1\nlocal-hostname: vm\n");

    @Test
    void aFolderSeedIsAnIso9660LabelledCidataWithTheNoCloudFilesAndTheDefaultMetaData() throws Exception {
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Files.writeString(ci.resolve("user-data"), "#cloud-config\nruncmd: [touch, /var/hi]\n");
        Files.writeString(ci.resolve("network-config"), "version: 2\n");
        Files.writeString(ci.resolve("notes.txt"), "not a NoCloud file");
        for (List<String> tool : SeedIso.TOOLS.subList(0, 1)) {
            Path iso = dir.resolve(tool.get(0) + ".iso");
            String hash = new SeedIso(ProcessRunner.local(), List.of(tool)).write(iso, new CloudInitSeed(ci, null, DEFAULTS));
            String blkid = run("blkid", "-o", "export", iso.toString());
            assertTrue(blkid.contains("TYPE=iso9660") && blkid.contains("LABEL=CIDATA"), blkid);
            assertEquals(List.of("meta-data", "network-config", "user-data"), names(iso), tool.toString());
            assertEquals("#cloud-config\nruncmd: [touch, /var/hi]\n", extract(iso, "user-data"));
            assertEquals("instance-id: pb-1\nlocal-hostname: vm\n", extract(iso, "meta-data"));
            assertEquals(hash, SeedIso.applicationId(iso).orElseThrow().toLowerCase());
        }
    }

    @Test
    void anUnchangedSeedIsKeptAChangedOneIsMadeAgain() throws Exception {
        SeedIso seeds = new SeedIso(ProcessRunner.local());
        Path iso = dir.resolve("vm_cidata.iso");
        CloudInitSeed a = new CloudInitSeed(null, Map.of("user-data", "#cloud-config\n", "meta-data", "instance-id: mine\n"), DEFAULTS);
        String h1 = seeds.write(iso, a);
        Object inode = Files.readAttributes(iso, BasicFileAttributes.class).fileKey();
        assertEquals(h1, seeds.write(iso, a));
        assertEquals(inode, Files.readAttributes(iso, BasicFileAttributes.class).fileKey(), "not made again");
        assertEquals("instance-id: mine\n", extract(iso, "meta-data"), "inline meta-data wins over the default");
        String h2 = seeds.write(iso, new CloudInitSeed(null, Map.of("user-data", "#cloud-config\nhostname: x\n"), DEFAULTS));
        assertNotEquals(h1, h2);
        assertEquals("#cloud-config\nhostname: x\n", extract(iso, "user-data"));
        assertEquals(List.of(), leftovers(), "no work folder left behind");
    }

    @Test
    void aMissingOrEmptyFolderIsInvalidInputAndNoToolIsAHostProblem() throws Exception {
        SeedIso seeds = new SeedIso(ProcessRunner.local());
        PbException missing = assertThrows(PbException.class, () -> seeds.write(dir.resolve("a.iso"), new CloudInitSeed(dir.resolve("nope"), null, DEFAULTS)));
        assertEquals(Failure.InvalidCloudInit, missing.failure());
        assertEquals(2, missing.exitCode());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        PbException none = assertThrows(PbException.class, () -> seeds.write(dir.resolve("a.iso"), new CloudInitSeed(empty, null, DEFAULTS)));
        assertTrue(none.getMessage().contains("holds none of user-data"), none.getMessage());
        PbException noTool = assertThrows(PbException.class, () -> new SeedIso(ProcessRunner.local(), List.of(List.of("pb-no-such-mkisofs")))
                .write(dir.resolve("b.iso"), new CloudInitSeed(null, Map.of("user-data", "x"), DEFAULTS)));
        assertEquals(Failure.IsoToolMissing, noTool.failure());
        assertTrue(noTool.getMessage().contains("genisoimage"), noTool.getMessage());
    }

    private List<String> leftovers() throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".seed-")).toList();
        }
    }

    /** File names as Rock Ridge gives them (what Linux mounts). */
    private static List<String> names(Path iso) {
        return run("isoinfo", "-R", "-f", "-i", iso.toString()).lines().map(l -> l.replaceFirst("^/", "")).sorted().toList();
    }

    private static String extract(Path iso, String name) {
        return run("isoinfo", "-R", "-i", iso.toString(), "-x", "/" + name);
    }

    private static String run(String... argv) {
        return ProcessRunner.local().run(Command.of(argv)).orThrow(Failure.Failed, String.join(" ", argv)).stdout();
    }
}
