package dev.bootc.pb.cli;

import picocli.CommandLine.Command;

import java.util.List;

/** pb images: bootc images in local podman storage. */
@Command(name = "images", description = "List bootable container images (label containers.bootc=1) in local podman storage.")
class ImagesCommand extends BaseCommand {
    @Override
    protected int execute() {
        out().print(Output.table(List.of("REPOSITORY", "IMAGE ID", "SIZE", "CREATED"), vms().imageRows()));
        return ok();
    }
}
