package dev.bootc.pb;

import dev.bootc.pb.cli.Cli;
import dev.bootc.pb.cli.Logging;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/**
 * pb's entry point. Every verb runs as a plain program: picocli, the composition root, the adapters
 * it needs; no Quarkus start, no Kubernetes client, no HTTP stack. Only {@code pb operator --store kube}
 * starts Quarkus, which brings the Java Operator SDK and its Kubernetes client ({@link KubeOperatorApp}).
 *
 * <p>Two class paths reach this class. {@code ./pb} starts file-store verbs on the CLI's own short
 * class path (written by the build, with its class-data-sharing archive); {@code --store kube} and
 * {@code pb operator --store kube} go through Quarkus' {@code quarkus-run.jar}, which has every
 * library. Started on the short path with {@code --store kube} anyway, pb hands over to the long one.
 */
@QuarkusMain
public final class Main {
    private Main() {
    }

    public static void main(String... args) throws Exception {
        String training = System.getProperty("pb.cds.training");
        if (training != null) {
            Logging.useJdkLogging();
            System.exit(Cli.train(java.nio.file.Path.of(training)));
        }
        if (Cli.wantsKube(args, System.getenv()) && !onFullClassPath()) {
            System.exit(handOverToQuarkus(args));
        }
        if (Cli.wantsKubeOperator(args)) {
            Quarkus.run(KubeOperatorApp.class, args);
            return;
        }
        Logging.useJdkLogging();
        Charset cs = Charset.defaultCharset();
        int code = Cli.execute(args, new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true),
                new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true));
        System.exit(code);
    }

    /** Whether the Kubernetes client is here: quarkus-run.jar, or a test's class path. */
    private static boolean onFullClassPath() {
        return Main.class.getClassLoader().getResource("io/fabric8/kubernetes/client/KubernetesClient.class") != null;
    }

    /** Runs the same arguments through quarkus-run.jar beside the application jar this class came from. */
    private static int handOverToQuarkus(String[] args) throws Exception {
        java.nio.file.Path appJar = java.nio.file.Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        java.nio.file.Path runner = appJar.getParent().getParent().resolve("quarkus-run.jar");
        List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", runner.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
