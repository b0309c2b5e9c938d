package dev.bootc.pb.libvirt;

import java.time.Instant;

/**
 * What pb records in a domain's XML {@code <metadata>} (namespace {@link #NAMESPACE}): the owning
 * resource, the image, and the SSH endpoint. Its presence is what makes a domain ours. Any field
 * but the owner's namespace and name may be null.
 */
public record PbMetadata(
        String ownerNamespace,
        String ownerName,
        String ownerUid,
        String image,
        String digest,
        Integer sshPort,
        String sshUser,
        String sshKeyPath,
        Instant created) {

    /** The namespace URI of our metadata element. */
    public static final String NAMESPACE = "https://github.com/containers/bootc";
    /** The conventional prefix of that namespace in domain XML. */
    public static final String PREFIX = "bootc";
    /** Local name of our element under {@code <metadata>}. */
    public static final String ELEMENT = "vm";

    public PbMetadata {
        if (ownerNamespace == null || ownerNamespace.isBlank() || ownerName == null || ownerName.isBlank()) {
            throw new IllegalArgumentException("metadata needs the owner's namespace and name");
        }
    }

    /** "namespace/name" of the owning resource. */
    public String owner() {
        return ownerNamespace + "/" + ownerName;
    }
}
