package dev.bootc.pb.cli;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.ResourceYaml;
import dev.bootc.pb.verbs.ApplyVerb;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** pb apply: create or update BootcVm resources from YAML, like kubectl apply. */
@Command(name = "apply", description = "Create or update BootcVm resources from a YAML file (multi-document) or stdin; returns at once unless --wait.")
class ApplyCommand extends BaseCommand {
    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE|-", description = "YAML file, or - for stdin.")
    String file;

    @Option(names = "--wait", description = "Reconcile the resources in-process until they settle.")
    boolean await;

    @Override
    protected int execute() throws IOException {
        String text;
        String source = file;
        if (file.equals("-")) {
            text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            source = "stdin";
        } else {
            try {
                text = Files.readString(Path.of(file));
            } catch (NoSuchFileException e) {
                throw Failure.FileNotFound.with("File " + file + " does not exist");
            }
        }
        List<BootcVm> docs = ResourceYaml.parseAll(text, source);
        ApplyVerb verb = root().apply();
        for (ApplyVerb.Applied a : verb.apply(docs)) {
            out().println("bootcvm.bootc.dev/" + a.vm().getMetadata().getName() + " " + a.action());
        }
        out().flush();
        if (await) verb.awaitSettled(docs, timed());
        return ok();
    }
}
