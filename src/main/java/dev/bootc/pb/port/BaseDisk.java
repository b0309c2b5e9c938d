package dev.bootc.pb.port;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A finished base disk in the cache: a qcow2 file that VM overlays use as their backing file.
 *
 * @param key              the cache key: a short hash of the digest and the options
 * @param path             the qcow2 file
 * @param image            the image reference it was first built for
 * @param digest           the image's digest
 * @param imageId          podman's image id
 * @param options          how it was built
 * @param virtualSizeBytes its virtual size
 * @param sizeOnDiskBytes  what the qcow2 file takes
 * @param created          when it was built
 * @param builtNow         true when this call built it, false when it came from the cache
 * @param systemdVersion   the major version of the systemd it boots, as learnt of the image; null when unknown
 */
public record BaseDisk(String key, Path path, String image, String digest, String imageId, BaseDiskOptions options,
                       long virtualSizeBytes, long sizeOnDiskBytes, Instant created, boolean builtNow, Integer systemdVersion) {

    /** A base disk whose systemd is not known. */
    public BaseDisk(String key, Path path, String image, String digest, String imageId, BaseDiskOptions options,
                    long virtualSizeBytes, long sizeOnDiskBytes, Instant created, boolean builtNow) {
        this(key, path, image, digest, imageId, options, virtualSizeBytes, sizeOnDiskBytes, created, builtNow, null);
    }
}
