package dev.bootc.pb.cli;

import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs pb commands in-process, as the launcher would, and captures exit code, stdout and stderr. */
public final class Cli {
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Path storeDir;

    public Cli(Path storeDir) {
        this.storeDir = storeDir;
    }

    public Result run(String... args) {
        return runWithStdin(null, args);
    }

    public synchronized Result runWithStdin(String stdin, String... args) {
        List<String> full = new ArrayList<>();
        full.add("--store=file");
        full.add("--store-dir=" + storeDir);
        // real libvirt without a hypervisor; VM files under the test's folder
        full.add("--connect=test:///default");
        System.setProperty("pb.data.dir", storeDir.resolveSibling(storeDir.getFileName() + "-data").toString());
        System.setProperty("pb.images.dir", storeDir.resolveSibling(storeDir.getFileName() + "-images").toString());
        full.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CliSetup.configure(new CommandLine(new PbCommand()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        InputStream oldIn = System.in;
        try {
            if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int code = cl.execute(full.toArray(String[]::new));
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setIn(oldIn);
            Object root = cl.getCommand();
            if (root instanceof PbCommand pb) pb.context().close();
        }
    }
}
