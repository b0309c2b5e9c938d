import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Build step (package phase, after Quarkus has written target/quarkus-app): the CLI's own launch
 * set-up, which ./pb uses for every file-store verb.
 *
 * <ul>
 *   <li>cli/classpath: the application jar and only the libraries file-store verbs use, hottest
 *   first, written out (a wildcard costs a lookup in every jar and breaks the archive's check);</li>
 *   <li>cli/native: JNA's dispatch library, so JNA does not unpack it into ~/.cache on every run;</li>
 *   <li>cli/java-flags: the JVM flags, chosen by measurement (README, Performance);</li>
 *   <li>cli/pb.jsa: a static class-data-sharing archive of the classes a training run of the common
 *   verbs (dev.bootc.pb.cli.CdsTraining) loads, on exactly that class path and those flags. The build
 *   fails if the training fails, which also proves the class path is complete for those verbs.</li>
 * </ul>
 *
 * Paths are written with @APP@ for the quarkus-app folder; the launcher puts in its own.
 * Run with the JDK's source launcher: java src/build/CliClassPath.java target/quarkus-app
 */
public class CliClassPath {
    /** Jar name prefixes in lib/main or lib/boot, in class path order. */
    static final List<String> JARS = List.of(
            "info.picocli.picocli-",
            "com.fasterxml.jackson.core.jackson-core-",
            "com.fasterxml.jackson.core.jackson-annotations-",
            "com.fasterxml.jackson.core.jackson-databind-",
            "com.fasterxml.jackson.dataformat.jackson-dataformat-yaml-",
            "org.yaml.snakeyaml-",
            "net.java.dev.jna.jna-",
            "org.libvirt.libvirt-",
            "org.jboss.logging.jboss-logging-",
            "org.slf4j.slf4j-api-",
            "org.apache.sshd.sshd-common-",
            "org.apache.sshd.sshd-core-",
            "org.bouncycastle.bcprov-jdk18on-");

    /**
     * Chosen by measurement (README, Performance; bench/run prints the figures):
     * -XX:TieredStopAtLevel=1: C2 costs 0.25 s of CPU and 11 MiB in a run this short; one C1 thread
     * (-XX:CICompilerCount=1) leaves the second core to pb's own second thread. SerialGC: no GC threads.
     * -Xmn4m: a small young generation touches fewer pages. -XX:-UsePerfData: no hsperfdata file.
     * sun.reflect.inflationThreshold: Jackson's few reflective calls stay native instead of each
     * generating an accessor class. -Xlog: the JVM's own warnings go to stderr, never into pb's output.
     * JNA loads its dispatch library from cli/native instead of unpacking it on every run; jboss-logging
     * goes to the JDK's logging; SSHD's slf4j goes nowhere (no provider to search for).
     * --enable-native-access: JNA's System.load is a restricted method from JDK 24 on, which otherwise
     * prints a four-line warning on stderr on every verb that reaches libvirt (JDK 17 accepts the flag).
     * It is in the archive's dump too: the archive refuses a run whose native-access flag differs.
     */
    static final String FLAGS = String.join(" ",
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:+UseSerialGC", "-Xmn4m", "-XX:-UsePerfData",
            "-Xshare:auto", "-Xlog:all=warning:stderr", "--enable-native-access=ALL-UNNAMED", "-Dsun.reflect.inflationThreshold=2147483647",
            "-Djna.boot.library.path=@APP@/cli/native", "-Djna.nounpack=true",
            "-Dorg.jboss.logging.provider=jdk", "-Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider", "-Dslf4j.internal.verbosity=WARN");

    public static void main(String[] args) throws Exception {
        Path app = Path.of(args[0]).toAbsolutePath().normalize();
        Path cli = app.resolve("cli");
        deleteTree(cli);
        Files.createDirectories(cli.resolve("native"));

        List<String> cp = new ArrayList<>();
        cp.add(only(app.resolve("app"), "").toString());
        for (String prefix : JARS) {
            Path jar = find(app, prefix);
            if (prefix.equals("info.picocli.picocli-")) jar = ClassFileUpgrade.upgrade(jar, cli.resolve(jar.getFileName()));
            cp.add(jar.toString());
        }
        String classPath = String.join(":", cp);
        Files.writeString(cli.resolve("classpath"), classPath.replace(app.toString(), "@APP@") + "\n");
        Files.writeString(cli.resolve("java-flags"), FLAGS + "\n");
        // The archive is valid only for the JVM that wrote it: the launcher starts that one.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Files.writeString(cli.resolve("java"), java + "\n");
        extractJnaDispatch(find(app, "net.java.dev.jna.jna-"), cli.resolve("native"));

        Path scratch = Files.createTempDirectory("pb-cds-training");
        Path classList = cli.resolve("pb.classlist");
        try {
            // 1. The training run writes the classes it loads (JDK and pb's, lambda forms included).
            List<String> train = java(app, classPath);
            train.add("-XX:DumpLoadedClassList=" + classList);
            train.add("-Dpb.cds.training=" + scratch);
            train.add("dev.bootc.pb.Main");
            ProcessBuilder pb = new ProcessBuilder(train);
            pb.environment().keySet().removeIf(k -> k.startsWith("PB_") || k.equals("KUBECONFIG"));
            pb.environment().put("PB_DATA_DIR", scratch.resolve("data").toString());
            pb.environment().put("HOME", scratch.toString());
            run(pb, "the CLI's training run");
            // 2. One static archive of exactly those classes, in place of the JDK's default one: the JVM
            // maps (and on this JDK relocates, touching every page of) whole archives, so classes pb never
            // loads would cost memory on every run.
            List<String> dump = java(app, classPath);
            dump.add("-Xshare:dump");
            dump.add("-XX:SharedClassListFile=" + classList);
            dump.add("-XX:SharedArchiveFile=" + cli.resolve("pb.jsa"));
            run(new ProcessBuilder(dump), "the class-data-sharing dump");
            if (!Files.isRegularFile(cli.resolve("pb.jsa"))) throw new IllegalStateException("no class-data-sharing archive was written");
            // Trained before libvirt was installed: the launcher builds again once it is (pb doctor --fix).
            Path without = cli.resolve("trained-without-libvirt");
            Files.deleteIfExists(without);
            if (Files.exists(scratch.resolve("trained-without-libvirt"))) Files.copy(scratch.resolve("trained-without-libvirt"), without);
        } finally {
            deleteTree(scratch);
        }
        System.out.printf("pb CLI: %d jars on its class path, archive %d KiB%n", cp.size(), Files.size(cli.resolve("pb.jsa")) / 1024);
    }

    /** The JVM with the CLI's flags and class path, as the launcher starts it. */
    static List<String> java(Path app, String classPath) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String f : FLAGS.split(" ")) cmd.add(f.replace("@APP@", app.toString()));
        cmd.add("-cp");
        cmd.add(classPath);
        return cmd;
    }

    static void run(ProcessBuilder pb, String what) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            System.err.println(out);
            throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "): see above");
        }
    }

    static Path find(Path app, String prefix) throws IOException {
        for (String dir : List.of("lib/main", "lib/boot")) {
            try (Stream<Path> s = Files.list(app.resolve(dir))) {
                List<Path> hits = s.filter(p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith(prefix) && Character.isDigit(n.charAt(prefix.length())) && n.endsWith(".jar");
                }).toList();
                if (hits.size() == 1) return hits.get(0);
                if (hits.size() > 1) throw new IllegalStateException("several jars named " + prefix + "* in " + dir + ": " + hits);
            }
        }
        throw new IllegalStateException("no jar named " + prefix + "* in " + app + "/lib: a dependency of the CLI is gone from the pom");
    }

    static Path only(Path dir, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().endsWith(".jar")).toList();
            if (jars.size() != 1) throw new IllegalStateException("expected one application jar in " + dir + ": " + jars);
            return jars.get(0);
        }
    }

    static void extractJnaDispatch(Path jnaJar, Path to) throws IOException {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86-64";
            case "aarch64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        try (ZipFile zip = new ZipFile(jnaJar.toFile())) {
            var entry = zip.getEntry("com/sun/jna/linux-" + arch + "/libjnidispatch.so");
            if (entry == null) throw new IllegalStateException(jnaJar + " has no dispatch library for linux-" + arch);
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, to.resolve("libjnidispatch.so"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /**
     * picocli's jar is compiled for Java 5 (class version 49): JDK 17's class-data sharing refuses such
     * classes ("Pre JDK 6 class not supported by CDS") and checks them with the old inferring verifier.
     * Its classes are rewritten as version 52 with stack map frames computed by ASM; nothing else changes.
     */
    static final class ClassFileUpgrade {
        static Path upgrade(Path in, Path out) throws IOException {
            var loader = new java.net.URLClassLoader(new java.net.URL[]{in.toUri().toURL()}, CliClassPath.class.getClassLoader());
            try (var zin = new java.util.zip.ZipInputStream(Files.newInputStream(in));
                 var zout = new java.util.zip.ZipOutputStream(Files.newOutputStream(out))) {
                for (java.util.zip.ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                    byte[] b = zin.readAllBytes();
                    if (e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class") && ((b[6] & 0xff) << 8 | (b[7] & 0xff)) < 50) {
                        var writer = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_FRAMES) {
                            @Override
                            protected ClassLoader getClassLoader() {
                                return loader;
                            }
                        };
                        new org.objectweb.asm.ClassReader(b).accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9, writer) {
                            @Override
                            public void visit(int version, int access, String name, String sig, String superName, String[] interfaces) {
                                super.visit(org.objectweb.asm.Opcodes.V1_8, access, name, sig, superName, interfaces);
                            }
                        }, org.objectweb.asm.ClassReader.SKIP_FRAMES);
                        b = writer.toByteArray();
                    }
                    zout.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                    zout.write(b);
                    zout.closeEntry();
                }
            }
            return out;
        }
    }
}
