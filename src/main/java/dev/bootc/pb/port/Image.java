package dev.bootc.pb.port;

import java.util.Objects;

/**
 * A container image found in local storage and known to be bootable.
 *
 * @param reference the reference as the user wrote it
 * @param id        podman's image id (the config digest, hex)
 * @param digest    the manifest digest ({@code sha256:...}); the id when podman knows no digest
 * @param sizeBytes the image's size in local storage
 */
public record Image(String reference, String id, String digest, long sizeBytes) {
    public Image {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(digest, "digest");
    }
}
