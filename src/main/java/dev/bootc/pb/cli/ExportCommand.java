package dev.bootc.pb.cli;

import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.verbs.ExportVerb;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** pb export: a stopped VM's disk as one image file another hypervisor can boot. */
@Command(name = "export", description = {
        "Write a stopped VM's disk to FILE as one self-contained image (no backing file) another hypervisor can boot.",
        "FILE holds the guest's secrets, as the disk does: it is yours alone (0600), and appears only once complete.",
        "A link at FILE is refused; an existing file needs --force. A running VM is refused (exit 4): pb stop NAME first."})
class ExportCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "NAME", completionCandidates = VmNameCandidates.class, description = "VM name (stopped: pb stop NAME).")
    String name;

    @Parameters(index = "1", paramLabel = "FILE", description = "The image file to write, like web.qcow2, web.raw or web.vmdk.")
    Path file;

    @Option(names = "--format", paramLabel = "qcow2|raw|vmdk",
            description = "Image format (default: FILE's extension, .qcow2, .raw or .img, .vmdk; else qcow2). vmdk is monolithicSparse,"
                    + " which VMware Workstation, Fusion, Player and VirtualBox attach as it is.")
    ExportFormat format;

    @Option(names = {"-f", "--force"}, description = "Replace FILE if it exists (a link at FILE is refused all the same).")
    boolean force;

    @Override
    protected int execute() {
        ExportVerb.Result r = root().export().export(name, file, format, force, timed());
        timed().finish();
        out().println(r.file());
        return ok();
    }
}
