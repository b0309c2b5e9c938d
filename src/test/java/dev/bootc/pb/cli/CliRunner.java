package dev.bootc.pb.cli;

import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs pb commands in-process, exactly as the launcher would (the same command line, a real composition
 * root), on a file store and VM folders of the test's own, and libvirt's test:///default; captures exit
 * code, stdout and stderr.
 */
public final class CliRunner {
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Function<Config.Options, Root> roots;

    /** Real adapters; state under {@code storeDir}'s siblings. */
    public CliRunner(Path storeDir) {
        this(storeDir, Map.of());
    }

    public CliRunner(Path storeDir, Map<String, String> extraEnv) {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("PB_STORE_DIR", storeDir.toString());
        env.put("PB_DATA_DIR", storeDir.resolveSibling(storeDir.getFileName() + "-data").toString());
        env.put("PB_IMAGES_DIR", storeDir.resolveSibling(storeDir.getFileName() + "-images").toString());
        env.putIfAbsent("PB_LIBVIRT_URI", "test:///default");
        env.putIfAbsent("NODE_NAME", "test-node");
        this.roots = o -> new Root(Config.load(env, "tester", storeDir.getParent(), o));
    }

    /** A root of the test's own making (fakes at the I/O edge). */
    public CliRunner(Function<Config.Options, Root> roots) {
        this.roots = roots;
    }

    public Result run(String... args) {
        return runWithStdin(null, args);
    }

    public synchronized Result runWithStdin(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream oldIn = System.in;
        try {
            if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), roots);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setIn(oldIn);
        }
    }
}
