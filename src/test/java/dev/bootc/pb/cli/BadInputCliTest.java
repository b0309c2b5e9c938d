package dev.bootc.pb.cli;

import dev.bootc.pb.api.BootcVm;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input exits 2 with one line naming the field and the value, and leaves the store as it was. */
class BadInputCliTest {
    private static final String GOOD = """
            apiVersion: bootc.dev/v1alpha1
            kind: BootcVm
            metadata:
              name: keep
            spec:
              image: localhost/pb-fixture:latest
              runStrategy: Halted
            """;

    @TempDir
    Path dir;
    CliRunner cli;

    @BeforeEach
    void seed() throws IOException {
        cli = new CliRunner(dir.resolve("store"));
        Path f = dir.resolve("good.yaml");
        Files.writeString(f, GOOD);
        assertEquals(0, cli.run("apply", "-f", f.toString()).exit());
    }

    static Stream<Arguments> badDocuments() {
        String head = "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n  name: %s\nspec:\n  image: a\n";
        return Stream.of(
                Arguments.of("malformed YAML", "apiVersion: bootc.dev/v1alpha1\nkind: [BootcVm\n", "malformed YAML"),
                Arguments.of("wrong kind", "apiVersion: bootc.dev/v1alpha1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  image: a\n", "kind: invalid value \"Pod\""),
                Arguments.of("wrong apiVersion", "apiVersion: v1\nkind: BootcVm\nmetadata:\n  name: x\nspec:\n  image: a\n", "apiVersion: invalid value \"v1\""),
                Arguments.of("invalid name", head.formatted("My_VM"), "metadata.name: invalid value \"My_VM\""),
                Arguments.of("memory 0", head.formatted("x") + "  resources:\n    memory: \"0\"\n", "spec.resources.memory: invalid value \"0\""),
                Arguments.of("cpus -1", head.formatted("x") + "  resources:\n    cpus: -1\n", "spec.resources.cpus: invalid value \"-1\""),
                Arguments.of("port 70000", head.formatted("x") + "  ports:\n  - hostPort: 70000\n    guestPort: 22\n", "spec.ports[0].hostPort: invalid value \"70000\""),
                Arguments.of("relative volume", head.formatted("x") + "  volumes:\n  - hostPath: data\n    guestPath: /mnt\n", "spec.volumes[0].hostPath: invalid value \"data\""),
                Arguments.of("missing image", "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n  name: x\nspec:\n  runStrategy: Always\n", "spec.image: invalid value missing"),
                Arguments.of("a Secret on the file store", head.formatted("x") + "  cloudInit:\n    secretRef:\n      name: web-ci\n",
                        "spec.cloudInit.secretRef: the file store has no Secrets"),
                Arguments.of("second document bad", GOOD.replace("keep", "other") + "---\n" + head.formatted("x") + "  resources:\n    cpus: 0\n", "spec.resources.cpus"));
    }

    @ParameterizedTest(name = "apply: {0}")
    @MethodSource("badDocuments")
    void applyRejects(String label, String yaml, String expected) throws Exception {
        String before = snapshot();
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        CliRunner.Result r = cli.run("apply", "-f", f.toString());
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertEquals(before, snapshot(), "the store changed");
    }

    static Stream<Arguments> badRunFlags() {
        return Stream.of(
                Arguments.of(new String[]{"run", "--name", "My_VM", "-B", "img"}, "My_VM"),
                Arguments.of(new String[]{"run", "--memory", "0", "-B", "img"}, "\"0Mi\""),
                Arguments.of(new String[]{"run", "--cpus", "-1", "-B", "img"}, "\"-1\""),
                Arguments.of(new String[]{"run", "-p", "70000:22", "-B", "img"}, "\"70000:22\""),
                Arguments.of(new String[]{"run", "-v", "data:/mnt", "-B", "img"}, "\"data:/mnt\""),
                Arguments.of(new String[]{"run", "--firmware", "efi", "-B", "img"}, "efi"),
                Arguments.of(new String[]{"run", "--firmware", "uefi_secure", "-B", "img"}, "uefi, uefi-secure, bios"),
                Arguments.of(new String[]{"run", "--pull", "bogus", "-B", "img"}, "'bogus'"),
                Arguments.of(new String[]{"run", "--pull", "bogus", "-B", "localhost/pb-fixture:latest"}, "always, missing or never"),
                Arguments.of(new String[]{"run", "--ssh-key-type", "dsa", "-B", "img"}, "dsa"),
                Arguments.of(new String[]{"run", "-B"}, "IMAGE"));
    }

    @ParameterizedTest(name = "run flags: {1}")
    @MethodSource("badRunFlags")
    void runRejects(String[] args, String expected) throws Exception {
        String before = snapshot();
        long start = System.nanoTime();
        CliRunner.Result r = cli.run(args);
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "bad input is refused at once, not after retries");
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
        assertEquals(before, snapshot(), "the store changed");
    }

    /**
     * Issue 21, item 3, as root would run it for a user: the user's cloud-init folder holds a link to a file
     * only root may read (their stand-in for /etc/shadow), or a file of theirs. pb refuses it before it writes
     * anything (store, disk, seed, key), with one line naming the file.
     */
    @org.junit.jupiter.api.Test
    void runCloudinitRefusesALinkOrAnotherUsersFileBeforeWritingAnything() throws Exception {
        Path shadow = Files.writeString(dir.resolve("shadow"), "root:$6$hash:19000:0:99999:7:::\n");
        Files.setPosixFilePermissions(shadow, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path ci = Files.createDirectories(dir.resolve("alice/ci"));
        Files.writeString(ci.resolve("meta-data"), "instance-id: alice-1\n");
        Files.createSymbolicLink(ci.resolve("user-data"), shadow);
        String before = snapshot() + everyFile();
        CliRunner.Result r = cli.run("run", "-B", "--name", "alice-vm", "--cloudinit", ci.toString(), "localhost/pb-fixture:latest");
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("cloud-init file " + ci.resolve("user-data") + " is a symbolic link"), r.err());
        assertEquals(before, snapshot() + everyFile(), "nothing written");

        assertTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
                "only root can give a file to another user: the suite runs as root (the README's test command); a skip would prove nothing");
        Files.delete(ci.resolve("user-data"));
        Files.setAttribute(Files.writeString(ci.resolve("user-data"), "#cloud-config\n"), "unix:uid", 12345);
        before = snapshot() + everyFile();
        r = cli.run("run", "-B", "--name", "alice-vm", "--cloudinit", ci.toString(), "localhost/pb-fixture:latest");
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("cloud-init file " + ci.resolve("user-data") + " belongs to uid 12345"), r.err());
        assertEquals(before, snapshot() + everyFile(), "nothing written");
    }

    /** Every file and folder under the test's folder (store, VM data, images), by name. */
    private String everyFile() throws Exception {
        try (var s = Files.walk(dir)) {
            return String.join("\n", s.map(p -> dir.relativize(p).toString()).sorted().toList());
        }
    }

    /** Every file of the store with its bytes' hash. */
    private String snapshot() throws Exception {
        StringBuilder sb = new StringBuilder();
        Path root = dir.resolve("store");
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals(".lock")) {
                    sb.append(root.relativize(p)).append(' ')
                            .append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))).append('\n');
                }
            }
        }
        return sb.toString();
    }

    /** Not bad input, but the same promise: one line naming the registry and the cause, exit 1, nothing left behind. */
    @org.junit.jupiter.api.Test
    void anUnreachableRegistryIsNamedInOneLineAndLeavesNothing() throws Exception {
        String before = snapshot();
        CliRunner.Result r = cli.run("-q", "run", "-B", "--name", "far", "localhost:1/pb-nothing:1");
        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("cannot reach registry localhost:1 to pull localhost:1/pb-nothing:1 (connect: connection refused)"), r.err());
        assertEquals(before, snapshot(), "the store changed");
    }
}
