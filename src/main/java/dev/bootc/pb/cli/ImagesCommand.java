package dev.bootc.pb.cli;

import picocli.CommandLine.Command;

import java.util.List;

/** pb images: bootc images in local podman storage. */
@Command(name = "images", description = "List bootable container images (label containers.bootc=1) in local podman storage.")
class ImagesCommand extends BaseCommand {
    @Override
    protected int execute() {
        List<List<String>> rows = new java.util.ArrayList<>();
        for (var i : root().cache().images()) rows.add(List.of(i.repository(), i.tag(), i.id(), i.created(), i.size()));
        out().print(Output.table(List.of("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"), rows));
        return ok();
    }
}
