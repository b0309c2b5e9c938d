package dev.bootc.pb.port;

import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.PullPolicy;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** The port to the container engine (podman): images in local storage, pulled when asked. */
public interface Images {

    /**
     * The image, pulled as {@code policy} says, and checked to be bootable. Fails with ImageNotFound,
     * NotBootcImage, RegistryUnreachable, PullFailed, PodmanMissing or PodmanFailed.
     */
    Image resolve(String reference, PullPolicy policy, Progress progress);

    /** The image when it is in local storage and bootable; never pulls. */
    Optional<Image> local(String reference);

    /** Names of the image's top-level entries (folders and symlinks alike). */
    Set<String> topLevelEntries(String reference);

    /** The root file system the image's own install configuration declares, if one pb can build. */
    Optional<Filesystem> declaredRootFilesystem(Image image);

    /**
     * The major version of the image's systemd (what its guests boot with), if it can be told; asked once per image.
     * It decides how a guest gets its volumes: systemd reads the {@code fstab.extra} credential from 254 on only.
     */
    OptionalInt systemdVersion(Image image);

    /** Bootable images (label containers.bootc=1) in local storage. */
    List<LocalImage> bootableImages();

    /** One line of {@code pb images}. */
    record LocalImage(String repository, String tag, String id, String created, String size) {
    }
}
