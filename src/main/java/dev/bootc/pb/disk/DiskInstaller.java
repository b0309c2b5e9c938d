package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs {@code bootc install to-disk} of an image onto the sparse raw file {@code workDir/disk.raw}: in a
 * privileged container on the host ({@link ContainerInstaller}, root only) or inside a short-lived VM booted
 * from the image itself ({@link VmInstaller}, no root needed).
 */
interface DiskInstaller {
    /**
     * Installs; every output line goes to the progress and to {@code log}.
     *
     * @param name     a name for what the install leaves running (container, VM), unique per build
     * @param rawBytes the size of {@code workDir/disk.raw}, made by the builder
     * @return empty when the installer exited 0, else what failed ("bootc install to-disk exited with 1")
     */
    Optional<String> install(Image image, BaseDiskOptions options, Path workDir, long rawBytes, String name, Progress progress, Path log);

    /** Removes what a build of this name may have left (a dead pb's container or VM); nothing when there is none. */
    void removeLeftovers(String name, Path workDir);

    /** Removes a container, running or not; nothing happens when there is none (both installers make one). */
    static void removeContainer(ProcessRunner runner, String name) {
        runner.run(Command.of("podman", "rm", "--force", "--ignore", "--time", "0", name).timeout(Duration.ofMinutes(1)));
    }
}
