package dev.bootc.pb.cli;

import picocli.CommandLine.Command;

/** pb images: bootc images in local podman storage. */
@Command(name = "images", description = "List bootable container images (label containers.bootc=1) in local podman storage.")
class ImagesCommand extends BaseCommand {
    @Override
    protected int execute() throws Exception {
        Process p = new ProcessBuilder("podman", "images", "--filter", "label=containers.bootc=1",
                "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.Created}}").start();
        String text = new String(p.getInputStream().readAllBytes());
        String errText = new String(p.getErrorStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new dev.bootc.pb.api.PbException.Failed("PodmanFailed", "podman images failed: " + errText.trim());
        }
        java.util.List<java.util.List<String>> rows = new java.util.ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            rows.add(java.util.List.of(line.split("\t", -1)));
        }
        out().print(Output.table(java.util.List.of("REPOSITORY", "IMAGE ID", "SIZE", "CREATED"), rows));
        return ok();
    }
}
