package dev.bootc.pb.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.cli.CliRunner;
import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input, generated: names, quantities, ports, volumes, kernel arguments, image references, whole
 * YAML documents and CLI argument lists, with hostile values among them (XML and shell metacharacters,
 * {@code ../}, very long strings, NUL and control characters). Through the real command line and
 * composition root on a real file store, the outside world faked at the I/O edge: pb answers exit 2
 * with one line that names the field and the value, never a stack trace, does nothing outside, and
 * leaves the store byte for byte as it was.
 */
class BadInputPropertiesTest {
    static final String GOOD_IMAGE = "localhost/pb-fixture:latest";
    /** Pieces an attacker or a slip of the keyboard puts into a value. */
    static final List<String> HOSTILE = List.of("../", "..", "/", "<", ">", "&", "\"", "'", "`", "$(id)", "${IFS}", ";", "|", "&&",
            "\n", "\r", "\t", "\u0000", "\u0001", "\u001b[31m", "\u007f", "\u2028", " ", "%s", "%n", "\\", "]]>", "<!--", "<x/>",
            "&amp;", "=", ":", ",", "@", "é", "\uD83D\uDE00", "*", "?", "#", "~", "{", "}", "[", "]", "!", "\u00a0");

    Path dir;
    FakeWorld world;
    CliRunner cli;

    @BeforeProperty
    void seed() throws IOException {
        dir = Files.createTempDirectory("pb-bad-input");
        world = new FakeWorld();
        world.ssh.ready = true;
        cli = new CliRunner(o -> FakeRoot.root(dir, world, o));
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "apiVersion: bootc.dev/v1alpha1\nkind: BootcVm\nmetadata:\n  name: keep\nspec:\n  image: " + GOOD_IMAGE
                + "\n  runStrategy: Halted\n");
        CliRunner.Result r = cli.run("apply", "-f", good.toString());
        assertEquals(0, r.exit(), r.toString());
        world.calls.clear();
    }

    @AfterProperty
    void cleanUp() throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    // ---- generators

    /** A value with hostile pieces in it, or one very long string. */
    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> piece = Arbitraries.oneOf(Arbitraries.of(HOSTILE), Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(6));
        Arbitrary<String> mixed = piece.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join("", l));
        Arbitrary<String> longOne = Arbitraries.integers().between(300, 100_000).map(n -> "a".repeat(n));
        Arbitrary<String> anyChars = Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, mixed), net.jqwik.api.Tuple.of(1, longOne), net.jqwik.api.Tuple.of(3, anyChars));
    }

    @Provide
    Arbitrary<String> badNames() {
        return hostile().filter(v -> Validation.nameProblem("name", v).isPresent() && !v.startsWith("-"));
    }

    @Provide
    Arbitrary<String> badImages() {
        return hostile().filter(v -> !(v.length() <= Validation.IMAGE_MAX && v.matches(Validation.IMAGE_PATTERN)) && !v.startsWith("-") && !v.isBlank());
    }

    /** Sizes pb refuses: what its command-line reading does not turn into a valid quantity. */
    @Provide
    Arbitrary<String> badQuantities() {
        Arbitrary<String> numbers = Combinators.combine(Arbitraries.longs().between(-100, 100), Arbitraries.of("", "K", "Ki", "kb", "MiB", "GB", "g", "Pi", "E", " G", "x", ".5G"))
                .as((n, unit) -> n + unit);
        return Arbitraries.oneOf(hostile(), numbers).filter(v -> !v.startsWith("-") && !v.isBlank()
                && !dev.bootc.pb.api.Quantity.fromCliMemory(v).matches(Validation.MEMORY_PATTERN)
                && !dev.bootc.pb.api.Quantity.fromCliDisk(v).matches(Validation.DISK_SIZE_PATTERN));
    }

    @Provide
    Arbitrary<String> badPorts() {
        Arbitrary<String> outOfRange = Combinators.combine(Arbitraries.integers().between(-5, 70_000), Arbitraries.integers().between(-5, 70_000))
                .as((h, g) -> h + ":" + g).filter(v -> !v.matches("^([1-9][0-9]{0,4}):([1-9][0-9]{0,4})$") || outside(v));
        return Arbitraries.oneOf(hostile(), outOfRange).filter(v -> !v.startsWith("-") && (!v.matches("^[0-9]+:[0-9]+$") || outside(v)));
    }

    @Provide
    Arbitrary<String> badVolumes() {
        Arbitrary<String> relative = Combinators.combine(hostile(), hostile()).as((h, g) -> h + ":" + g);
        Arbitrary<String> controlInPath = hostile().map(h -> "/srv/" + h + ":/mnt/x");
        return Arbitraries.oneOf(relative, controlInPath, hostile()).filter(v -> !v.startsWith("-") && !plausibleVolume(v));
    }

    @Provide
    Arbitrary<String> badKernelArgs() {
        return hostile().filter(v -> !v.matches(Validation.KARG_PATTERN) && !v.startsWith("-"));
    }

    // ---- run flags: each bad value alone

    @Property(tries = 60)
    void runRefusesBadNames(@ForAll("badNames") String name) throws Exception {
        assertRefused(List.of("run", "-B", "--name", name, GOOD_IMAGE), "name", name);
    }

    @Property(tries = 60)
    void runRefusesBadImages(@ForAll("badImages") String image) throws Exception {
        assertRefused(List.of("run", "-B", "--name", "x", image), "image", image);
    }

    @Property(tries = 60)
    void runRefusesBadMemory(@ForAll("badQuantities") String q) throws Exception {
        assertRefused(List.of("run", "-B", "--name", "x", "--memory", q, GOOD_IMAGE), "memory", q, dev.bootc.pb.api.Quantity.fromCliMemory(q));
    }

    @Property(tries = 40)
    void runRefusesBadDiskSizes(@ForAll("badQuantities") String q) throws Exception {
        assertRefused(List.of("run", "-B", "--name", "x", "--disk-size", q, GOOD_IMAGE), "disk", q, dev.bootc.pb.api.Quantity.fromCliDisk(q));
    }

    @Property(tries = 40)
    void runRefusesBadCpus(@ForAll("badQuantities") String q) throws Exception {
        if (q.matches("^[0-9]+$") && Integer.parseInt(q) >= 1 && Integer.parseInt(q) <= Validation.MAX_CPUS) return;
        assertRefused(List.of("run", "-B", "--name", "x", "--cpus", q, GOOD_IMAGE), "cpus", q);
    }

    @Property(tries = 60)
    void runRefusesBadPorts(@ForAll("badPorts") String p) throws Exception {
        assertRefused(List.of("run", "-B", "--name", "x", "-p", p, GOOD_IMAGE), "port", p);
    }

    @Property(tries = 60)
    void runRefusesBadVolumes(@ForAll("badVolumes") String v) throws Exception {
        assertRefused(List.of("run", "-B", "--name", "x", "-v", v, GOOD_IMAGE), "volume", v, v.split(":", -1)[0], v.contains(":") ? v.split(":", 2)[1] : v);
    }

    @Property(tries = 60)
    void runRefusesBadKernelArgs(@ForAll("badKernelArgs") String k) throws Exception {
        assertRefused(List.of("run", "-B", "--name", "x", "--karg", k, GOOD_IMAGE), "kernelArgs", k);
    }

    @Property(tries = 40)
    void everyVerbRefusesBadNamesAndNamespaces(@ForAll("badNames") String name, @ForAll("verbsWithName") String verb) throws Exception {
        if (!verb.equals("list")) assertRefused(List.of(verb, name), "name", name);
        List<String> args = new ArrayList<>(List.of("-n", name, verb));
        if (!verb.equals("list")) args.add("keep");
        assertRefused(args, "namespace", name);
    }

    @Provide
    Arbitrary<String> verbsWithName() {
        return Arbitraries.of("stop", "start", "inspect", "get", "list", "rm");
    }

    // ---- whole YAML documents: a good one with one field made bad

    record BadField(String path, Object value) {
    }

    @Provide
    Arbitrary<BadField> badFields() {
        Arbitrary<Object> anyBad = Arbitraries.oneOf(hostile().map(v -> (Object) v), Arbitraries.integers().between(-1000, 0).map(v -> (Object) v),
                Arbitraries.of(List.of("x"), Map.of("a", "b"), true).map(v -> (Object) v));
        return Arbitraries.oneOf(
                badNames().map(v -> new BadField("metadata.name", v)),
                badImages().map(v -> new BadField("spec.image", v)),
                badQuantities().map(v -> new BadField("spec.resources.memory", v)),
                Arbitraries.oneOf(Arbitraries.integers().between(-1000, 0), Arbitraries.integers().between(513, 100_000)).map(v -> new BadField("spec.resources.cpus", v)),
                badQuantities().map(v -> new BadField("spec.disk.size", v)),
                badQuantities().map(v -> new BadField("spec.disk.rootSizeMax", v)),
                Arbitraries.oneOf(Arbitraries.integers().between(-1000, 0), Arbitraries.integers().between(65536, 1_000_000)).map(v -> new BadField("spec.ports[0].hostPort", v)),
                Arbitraries.oneOf(Arbitraries.integers().between(-1000, 0), Arbitraries.integers().between(65536, 1_000_000)).map(v -> new BadField("spec.ports[0].guestPort", v)),
                hostile().filter(v -> !v.matches(Validation.ABSOLUTE_PATH_PATTERN)).map(v -> new BadField("spec.volumes[0].hostPath", v)),
                hostile().filter(v -> !v.matches(Validation.ABSOLUTE_PATH_PATTERN)).map(v -> new BadField("spec.volumes[0].guestPath", v)),
                badKernelArgs().map(v -> new BadField("spec.kernelArgs[0]", v)),
                hostile().filter(v -> !Set.of("Always", "Halted").contains(v)).map(v -> new BadField("spec.runStrategy", v)),
                hostile().filter(v -> !Set.of("uefi", "uefi-secure", "bios").contains(v)).map(v -> new BadField("spec.firmware", v)),
                hostile().filter(v -> !Set.of("user", "none").contains(v)).map(v -> new BadField("spec.network", v)),
                hostile().filter(v -> !v.matches(Validation.USER_PATTERN)).map(v -> new BadField("spec.ssh.user", v)),
                anyBad.map(v -> new BadField("spec.resources.cpus", v)).filter(f -> !(f.value() instanceof Integer)),
                anyBad.map(v -> new BadField("spec.ports[0].hostPort", v)).filter(f -> !(f.value() instanceof Integer)));
    }

    @Property(tries = 150)
    void applyRefusesADocumentWithOneBadField(@ForAll("badFields") BadField bad) throws Exception {
        Map<String, Object> doc = goodDocument();
        set(doc, bad.path(), bad.value());
        Path f = dir.resolve("bad.yaml");
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Files.write(f, yaml.writeValueAsBytes(doc));
        // the value as YAML gives it back (line breaks normalised, say)
        var node = yaml.readTree(f.toFile()).at("/" + bad.path().replace(".", "/").replace("[0]", "/0"));
        // Jackson's YAML writer turns a lone surrogate and the character after it into one valid character (U+D837 U+0000
        // was written as U+10000): a kernel argument that came back valid is no bad field any more
        net.jqwik.api.Assume.that(!(bad.path().startsWith("spec.kernelArgs") && node.isTextual() && node.asText().matches(Validation.KARG_PATTERN)));
        if (node.isValueNode()) assertRefused(List.of("apply", "-f", f.toString()), bad.path(), String.valueOf(bad.value()), node.asText());
        else assertRefused(List.of("apply", "-f", f.toString()), bad.path()); // a list or mapping where a scalar belongs: "wrong type"
    }

    @Property(tries = 100)
    void applyRefusesAnyTextThatIsNoBootcVm(@ForAll("hostile") String text) throws Exception {
        Path f = dir.resolve("junk.yaml");
        Files.write(f, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)); // a lone surrogate becomes '?', as any editor would save it
        assertRefused(List.of("apply", "-f", f.toString()), "junk.yaml");
    }

    // ---- whole argument lists

    @Provide
    Arbitrary<List<String>> argumentLists() {
        Arbitrary<String> verb = Arbitraries.of("run", "list", "stop", "start", "rm", "inspect", "get", "apply", "cache", "version", "completion", "bogus", "");
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("-B", "--name", "--memory", "--cpus", "-p", "-v", "--karg", "--pull", "--firmware", "--format", "-o", "-f", "--all",
                        "--rm", "-R", "--network", "--disk-size", "-u", "--no-tpm", "--", "-q", "list", "prune", "json", "yaml", "keep", GOOD_IMAGE,
                        "x", "1", "0", "-1", "8080:80", "/srv:/mnt", "never", "bios", "none"),
                hostile());
        return Combinators.combine(verb, token.list().ofMaxSize(7)).as((v, rest) -> {
            List<String> l = new ArrayList<>();
            if (!v.isEmpty()) l.add(v);
            l.addAll(rest);
            return l;
        });
    }

    @Property(tries = 300)
    void anyArgumentListEndsWithADocumentedCodeAndNoStackTrace(@ForAll("argumentLists") List<String> args) throws Exception {
        // "-f" after apply reads a file: only files of the test's own folder exist to be read
        String before = snapshot();
        CliRunner.Result r = cli.run(args.toArray(String[]::new));
        String shown = String.join(" ", args);
        shown = Validation.quote(shown);
        assertTrue(Set.of(0, 1, 2, 3, 4).contains(r.exit()), "undocumented exit code for: " + shown + " -> " + Validation.quote(r.toString()));
        assertNoStackTrace(r, shown);
        if (r.exit() == 2) {
            // one line per refused value (rm of several bad names names each)
            List<String> lines = r.err().strip().lines().toList();
            assertTrue(!lines.isEmpty() && lines.size() <= Math.max(1, args.size()) && lines.stream().allMatch(l -> l.startsWith("Error: ")),
                    "one line per refusal for: " + shown + " -> " + Validation.quote(r.toString()));
            assertEquals(before, snapshot(), "the store changed for: " + shown);
        }
    }

    // ---- checks

    /** Exit 2 at once, one line naming the field and the value (as typed, or as pb read it), nothing written, nothing done. */
    void assertRefused(List<String> args, String field, String... values) throws Exception {
        String before = snapshot();
        world.calls.clear();
        long start = System.nanoTime();
        CliRunner.Result r = cli.run(args.toArray(String[]::new));
        String shown = Validation.quote(String.join(" ", args));
        String err = Validation.escapeControls(r.err());
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "refused at once: " + shown);
        assertEquals(2, r.exit(), shown + " -> " + err);
        assertEquals("", r.out(), shown);
        assertNoStackTrace(r, shown);
        assertEquals(1, r.err().strip().lines().count(), "one line: " + shown + " -> " + err);
        String lower = r.err().toLowerCase();
        assertTrue(lower.contains(field.toLowerCase()), "names the field '" + field + "': " + shown + " -> " + err);
        boolean named = false;
        boolean any = false;
        for (String value : values) {
            if (value == null || value.isBlank()) continue;
            any = true;
            for (String v : List.of(value, value.strip())) {
                String p = Validation.printable(v);
                named |= lower.contains(p.substring(0, Math.min(12, p.length())).toLowerCase());
                named |= lower.contains(v.substring(0, Math.min(12, v.length())).toLowerCase());
                String e = Validation.escapeControls(v);
                named |= lower.contains(e.substring(0, Math.min(12, e.length())).toLowerCase());
            }
        }
        assertTrue(!any || named, "names the value " + Validation.escapeControls(List.of(values).toString()) + ": " + shown + " -> " + err);
        assertEquals(before, snapshot(), "the store changed: " + shown);
        assertEquals(List.of(), List.copyOf(world.calls), "nothing was done outside: " + shown);
    }

    static void assertNoStackTrace(CliRunner.Result r, String shown) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception") || r.out().contains("\tat "),
                "a stack trace for: " + shown + " -> " + Validation.quote(r.toString()));
    }

    static boolean outside(String hostGuest) {
        String[] p = hostGuest.split(":");
        for (String s : p) {
            try {
                int n = Integer.parseInt(s);
                if (n < 1 || n > 65535) return true;
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return false;
    }

    /** A volume pb would accept: two absolute paths without control characters (and an optional :ro/:rw). */
    static boolean plausibleVolume(String v) {
        String[] p = v.split(":");
        if (p.length < 2 || p.length > 3) return false;
        if (p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw")) return false;
        return p[0].matches(Validation.ABSOLUTE_PATH_PATTERN) && p[1].matches(Validation.ABSOLUTE_PATH_PATTERN);
    }

    static Map<String, Object> goodDocument() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("image", GOOD_IMAGE);
        spec.put("runStrategy", "Halted");
        spec.put("resources", new LinkedHashMap<>(Map.of("memory", "2Gi", "cpus", 2)));
        spec.put("disk", new LinkedHashMap<>(Map.of("size", "20Gi", "rootSizeMax", "10Gi")));
        spec.put("firmware", "uefi");
        spec.put("network", "user");
        spec.put("kernelArgs", new ArrayList<>(List.of("quiet")));
        spec.put("ssh", new LinkedHashMap<>(Map.of("user", "root")));
        spec.put("ports", new ArrayList<>(List.of(new LinkedHashMap<>(Map.of("hostPort", 8080, "guestPort", 80)))));
        spec.put("volumes", new ArrayList<>(List.of(new LinkedHashMap<>(Map.of("hostPath", "/srv/data", "guestPath", "/mnt/data")))));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "bootc.dev/v1alpha1");
        doc.put("kind", "BootcVm");
        doc.put("metadata", new LinkedHashMap<>(Map.of("name", "new-vm")));
        doc.put("spec", spec);
        return doc;
    }

    @SuppressWarnings("unchecked")
    static void set(Map<String, Object> doc, String path, Object value) {
        String[] parts = path.split("\\.");
        Object node = doc;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            boolean last = i == parts.length - 1;
            String key = part.replaceAll("\\[0]$", "");
            boolean indexed = part.endsWith("[0]");
            Map<String, Object> m = (Map<String, Object>) node;
            if (indexed) {
                List<Object> list = (List<Object>) m.get(key);
                if (last) list.set(0, value);
                else node = list.get(0);
            } else if (last) {
                m.put(key, value);
            } else {
                node = m.get(key);
            }
        }
    }

    /** Every file of the store with its bytes' hash. */
    String snapshot() {
        StringBuilder sb = new StringBuilder();
        Path root = dir.resolve("store");
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals(".lock")) {
                    sb.append(root.relativize(p)).append(' ')
                            .append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))).append('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return sb.toString();
    }
}
