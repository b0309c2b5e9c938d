package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * podman-bootc's way: {@code bootc install to-disk --via-loopback} run from the image itself in a privileged
 * podman container with the host's /dev and container storage. Root only (a user namespace has no loop devices).
 */
final class ContainerInstaller implements DiskInstaller {
    private final ProcessRunner runner;
    private final Duration timeout;

    ContainerInstaller(ProcessRunner runner, Duration timeout) {
        this.runner = runner;
        this.timeout = timeout;
    }

    @Override
    public Optional<String> install(Image image, BaseDiskOptions options, Path workDir, long rawBytes, String name, Progress progress,
                                    Path log) {
        progress.phase(BaseDiskBuilder.installing(image, rawBytes, ""));
        ProcessResult r = runner.run(Command.of(command(image, workDir, options, name))
                .timeout(timeout).onOutput((stream, line) -> progress.output(line)).log(log));
        return r.ok() ? Optional.empty() : Optional.of(BaseDiskBuilder.status(r, "bootc install to-disk"));
    }

    @Override
    public void removeLeftovers(String name, Path workDir) {
        DiskInstaller.removeContainer(runner, name);
        LoopDevices.detachBackedBy(runner, workDir.resolve(BaseDiskBuilder.RAW_NAME));
    }

    /**
     * The install command: podman-bootc's, plus a container name (to clean up after a killed build),
     * {@code --pull=never} (the image was resolved already; a build never reaches for the network), no network at all
     * ({@code --network=none}: podman 5's default network needs netavark's nftables, missing on a Debian 13 host
     * without recommends, where the build failed "netavark: nftables error: unable to execute nft") and the VM's
     * reference as the installed system's origin ({@link BaseDiskBuilder#targetArgs}).
     */
    static List<String> command(Image image, Path outputDir, BaseDiskOptions options, String containerName) {
        // --user root:root: bootc must run as root, and some derived images set USER (podman-bootc learnt this)
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "--rm", "--name", containerName, "--pull=never", "--network=none",
                "--user", "root:root", "--privileged", "--pid=host", "--security-opt", "label=type:unconfined_t",
                "-v", "/var/lib/containers:/var/lib/containers", "-v", "/dev:/dev",
                "-v", outputDir.toAbsolutePath() + ":/output",
                image.reference(),
                "bootc", "install", "to-disk", "--via-loopback", "--generic-image", "--skip-fetch-check"));
        cmd.addAll(BaseDiskBuilder.targetArgs(image));
        cmd.addAll(BaseDiskBuilder.optionArgs(options));
        cmd.add("/output/" + BaseDiskBuilder.RAW_NAME);
        return cmd;
    }
}
