package dev.bootc.pb;

import dev.bootc.pb.cli.Cli;
import dev.bootc.pb.cli.Logging;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * pb's entry point. Every verb runs as a plain program: picocli, the composition root, the adapters
 * it needs; no Quarkus start, no Kubernetes client, no HTTP stack. Only {@code pb operator --store kube}
 * starts Quarkus, which brings the Java Operator SDK and its Kubernetes client ({@link KubeOperatorApp}).
 */
@QuarkusMain
public final class Main {
    private Main() {
    }

    public static void main(String... args) {
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
}
