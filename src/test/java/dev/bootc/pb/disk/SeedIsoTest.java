package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.CloudInitSeed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NoCloud seeds made with the host's real genisoimage (what pb doctor installs on Debian), read back
 * with blkid and isoinfo as cloud-init's blkid and mount would see them; and the folder's files read
 * as a root pb must read a user's files (issue 21, item 3): no link followed, no file of another user.
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

    /** A file only root may read, standing in for /etc/shadow. */
    private Path secret() throws Exception {
        Path f = dir.resolve("shadow");
        Files.writeString(f, "root:$6$secret-hash:19000:0:99999:7:::\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    /** Asserts the seed is refused as UnsafeFile (exit 2) with one line naming {@code named}, and nothing was written. */
    private void assertUnsafe(Path iso, CloudInitSeed seed, Path named) throws Exception {
        PbException e = assertThrows(PbException.class, () -> new SeedIso(ProcessRunner.local()).write(iso, seed));
        assertEquals(Failure.UnsafeFile, e.failure(), e.getMessage());
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains(named.toString()), "names " + named + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(Files.exists(iso, LinkOption.NOFOLLOW_LINKS), "no seed written");
        assertEquals(List.of(), leftovers(), "no work folder left behind");
    }

    @Test
    void aUserDataThatIsALinkIsRefusedNotFollowed() throws Exception {
        // the attack of issue 21: the folder's owner points user-data at a file only root may read
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Files.createSymbolicLink(ci.resolve("user-data"), secret());
        assertUnsafe(dir.resolve("a.iso"), new CloudInitSeed(ci, null, DEFAULTS), ci.resolve("user-data"));
    }

    @Test
    void aFolderThatIsALinkIsRefused() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.writeString(real.resolve("user-data"), "#cloud-config\n");
        Path link = Files.createSymbolicLink(dir.resolve("ci"), real);
        assertUnsafe(dir.resolve("a.iso"), new CloudInitSeed(link, null, DEFAULTS), link);
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        assertTrue(root(), "only root can give a file to another user: the suite runs as root (the README's test command); a skip would prove nothing");
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Path userData = Files.writeString(ci.resolve("user-data"), "#cloud-config\n");
        Files.setAttribute(userData, "unix:uid", 12345);
        assertUnsafe(dir.resolve("a.iso"), new CloudInitSeed(ci, null, DEFAULTS), userData);
    }

    @Test
    void aFolderOfAnotherUserIsRefused() throws Exception {
        assertTrue(root(), "only root can give a folder to another user: the suite runs as root (the README's test command); a skip would prove nothing");
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Files.writeString(ci.resolve("user-data"), "#cloud-config\n");
        Files.setAttribute(ci, "unix:uid", 12345);
        assertUnsafe(dir.resolve("a.iso"), new CloudInitSeed(ci, null, DEFAULTS), ci);
    }

    @Test
    void aLinkOnTheWayIsFollowedOnlyWhenItIsRootsOrPbsOwn() throws Exception {
        assertTrue(root(), "only root can give a link to another user: the suite runs as root (the README's test command); a skip would prove nothing");
        Path real = Files.createDirectories(dir.resolve("real/ci"));
        Files.writeString(real.resolve("user-data"), "#cloud-config\nhostname: via-link\n");
        Path mine = Files.createSymbolicLink(dir.resolve("mine"), real.getParent());
        String hash = new SeedIso(ProcessRunner.local()).write(dir.resolve("mine.iso"), new CloudInitSeed(mine.resolve("ci"), null, DEFAULTS));
        assertEquals(hash, SeedIso.applicationId(dir.resolve("mine.iso")).orElseThrow().toLowerCase(), "a link of pb's own user is followed");
        assertEquals("#cloud-config\nhostname: via-link\n", extract(dir.resolve("mine.iso"), "user-data"));
        // another user's link could be turned to any folder of root's between two runs
        Path theirs = Files.createSymbolicLink(dir.resolve("theirs"), real.getParent());
        Files.setAttribute(theirs, "unix:uid", 12345, LinkOption.NOFOLLOW_LINKS);
        assertEquals(12345, Files.getAttribute(theirs, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertUnsafe(dir.resolve("theirs.iso"), new CloudInitSeed(theirs.resolve("ci"), null, DEFAULTS), theirs);
    }

    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Files.writeString(ci.resolve("meta-data"), "instance-id: x\n");
        run("mkfifo", ci.resolve("user-data").toString());
        assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertUnsafe(dir.resolve("a.iso"), new CloudInitSeed(ci, null, DEFAULTS), ci.resolve("user-data")));
    }

    @Test
    void theSeedIsReadableByItsOwnerOnly() throws Exception {
        // libvirt's dynamic ownership hands it to QEMU for the domain's life (qemu:///system)
        Path iso = dir.resolve("vm_cidata.iso");
        CloudInitSeed seed = new CloudInitSeed(null, Map.of("user-data", "#cloud-config\npassword: s3cret\n"), DEFAULTS);
        new SeedIso(ProcessRunner.local()).write(iso, seed);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(iso)));
        // a seed an earlier pb made readable by all, with the same content: kept, and made private
        Files.setPosixFilePermissions(iso, PosixFilePermissions.fromString("rw-r--r--"));
        Object inode = Files.readAttributes(iso, BasicFileAttributes.class).fileKey();
        new SeedIso(ProcessRunner.local()).write(iso, seed);
        assertEquals(inode, Files.readAttributes(iso, BasicFileAttributes.class).fileKey(), "not made again");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(iso)));
    }

    @Test
    void aFileThatIsNotUtf8TextIsInvalidInputNamingIt() throws Exception {
        Path ci = Files.createDirectories(dir.resolve("ci"));
        Files.write(ci.resolve("user-data"), new byte[] {0x1f, (byte) 0x8b, 0x08, 0x00, (byte) 0xff, (byte) 0xfe});
        PbException e = assertThrows(PbException.class, () -> new SeedIso(ProcessRunner.local()).write(dir.resolve("a.iso"),
                new CloudInitSeed(ci, null, DEFAULTS)));
        assertEquals(Failure.InvalidCloudInit, e.failure());
        assertTrue(e.getMessage().contains(ci.resolve("user-data") + " is not UTF-8 text"), e.getMessage());
    }

    private static boolean root() throws Exception {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
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
