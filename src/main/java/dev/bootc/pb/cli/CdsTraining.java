package dev.bootc.pb.cli;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.boot.Root;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The build's training run for the CLI's class-data-sharing archive: the verbs people type most,
 * in-process, against a store in a scratch folder and libvirt's test driver, so the archive holds the
 * classes they load. It must leave nothing behind and touch no real VM; the build fails if it fails,
 * which also proves the CLI's class path holds every class these verbs need. On a host without libvirt's
 * client library yet (a fresh one, built before pb doctor --fix), the verbs that need libvirt may fail
 * for that reason only; the run then leaves the file {@value #WITHOUT_LIBVIRT} in its folder, and the
 * launcher builds again once libvirt is installed.
 */
final class CdsTraining {
    private static final String VMS = """
            apiVersion: bootc.dev/v1alpha1
            kind: BootcVm
            metadata:
              name: train-a
            spec:
              image: quay.io/fedora/fedora-bootc:42
              runStrategy: Halted
              resources: {memory: 2Gi, cpus: 2}
              disk: {size: 10Gi}
              ports: [{hostPort: 18080, guestPort: 80}]
            ---
            apiVersion: bootc.dev/v1alpha1
            kind: BootcVm
            metadata:
              name: train-b
              labels: {team: dev}
            spec:
              image: localhost/train:latest
              runStrategy: Halted
            """;

    static final String WITHOUT_LIBVIRT = "trained-without-libvirt";

    private CdsTraining() {
    }

    /** Runs the verbs with this store folder; returns 0, or the first unexpected exit code. */
    static int run(Path dir) throws IOException {
        Path store = dir.resolve("store");
        Path yaml = dir.resolve("vms.yaml");
        Files.writeString(yaml, VMS);
        boolean libvirt = Root.libvirtLibraryPresent();
        if (!libvirt) Files.writeString(dir.resolve(WITHOUT_LIBVIRT), "libvirt.so.0 was not installed\n");
        String[] global = {"--store", "file", "--store-dir", store.toString(), "-c", "test:///default"};
        record Step(int exit, String... verb) {
        }
        List<Step> steps = List.of(
                new Step(ExitCodes.OK, "version"),
                new Step(ExitCodes.OK, "--help"),
                new Step(ExitCodes.OK, "list"),
                new Step(ExitCodes.OK, "apply", "-f", yaml.toString()),
                new Step(ExitCodes.OK, "list"),
                new Step(ExitCodes.OK, "list", "--format", "json"),
                new Step(ExitCodes.OK, "inspect", "train-a"),
                new Step(ExitCodes.OK, "get", "train-b", "-o", "yaml"),
                new Step(ExitCodes.FAILURE, "ssh", "train-a", "--", "true"),
                new Step(ExitCodes.NOT_FOUND, "inspect", "no-such-vm"));
        for (Step step : steps) {
            String[] args = new String[global.length + step.verb().length];
            System.arraycopy(global, 0, args, 0, global.length);
            System.arraycopy(step.verb(), 0, args, global.length, step.verb().length);
            StringWriter err = new StringWriter();
            int code = Cli.execute(args, new PrintWriter(Writer.nullWriter()), new PrintWriter(err));
            boolean noLibvirt = !libvirt && code == ExitCodes.FAILURE && err.toString().contains("libvirt.so.0");
            if (code != step.exit() && !noLibvirt) {
                System.err.println("pb: CDS training: pb " + String.join(" ", step.verb()) + " exited " + code + ", not " + step.exit()
                        + ": " + err.toString().strip());
                return code == 0 ? ExitCodes.FAILURE : code;
            }
        }
        return 0;
    }
}
