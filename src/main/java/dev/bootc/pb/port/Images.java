package dev.bootc.pb.port;

import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.ImageRefs;
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

    /** Names of the image's top-level entries (folders and symlinks alike); an image ID's are read once a process. */
    Set<String> topLevelEntries(Image image);

    /** The root file system the image's own install configuration declares, if one pb can build. */
    Optional<Filesystem> declaredRootFilesystem(Image image);

    /**
     * The major version of the image's systemd (what its guests boot with), if it can be told; asked once per image.
     * It decides how a guest gets its volumes: systemd reads the {@code fstab.extra} credential from 254 on only.
     */
    OptionalInt systemdVersion(Image image);

    /** Bootable images (label containers.bootc=1) in local storage. */
    List<LocalImage> bootableImages();

    /**
     * Every image in local storage, bootable or not, intermediate ones too (podman's own lookup by ID sees them all):
     * what tells an image ID from a name. Fails with PodmanMissing or PodmanFailed.
     */
    List<StoredImage> storedImages();

    /**
     * Where this user's podman keeps its images (graph root) and with which storage driver: a guest reads an image
     * from there, shared read-only, to update in place.
     */
    Storage storage();

    /** A container storage: its graph root folder and its driver (overlay, vfs). */
    record Storage(java.nio.file.Path graphRoot, String driver) {
    }

    /** One line of {@code pb images}. */
    record LocalImage(String repository, String tag, String id, String created, String size) {
    }

    /**
     * An image in local storage.
     *
     * @param id    its full ID (64 hex digits)
     * @param names its repository tags, the first one first (podman-bootc names an image by the first); none when untagged
     */
    record StoredImage(String id, List<String> names) {
        public StoredImage {
            names = names == null ? List.of() : List.copyOf(names);
        }

        /** The first 12 hex digits of the ID, as podman shows it. */
        public String shortId() {
            return id.substring(0, Math.min(id.length(), ImageRefs.SHORT_ID_LENGTH));
        }
    }
}
