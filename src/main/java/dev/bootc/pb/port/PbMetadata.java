package dev.bootc.pb.port;

import java.time.Instant;

/**
 * What pb records in a domain's XML {@code <metadata>} (namespace {@link #NAMESPACE}): the owning
 * resource, the image, the SSH endpoint, and a hash of the {@link DomainSpec} it was defined from
 * (so a changed spec is seen without comparing XML). Its presence is what makes a domain ours. Any
 * field but the owner's namespace and name may be null.
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
        Instant created,
        String specHash) {

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

    /** The same metadata with another spec hash. */
    /** The same with another image and digest (what an in-place update changes). */
    public PbMetadata withImage(String newImage, String newDigest) {
        return new PbMetadata(ownerNamespace, ownerName, ownerUid, newImage, newDigest, sshPort, sshUser, sshKeyPath, created, specHash);
    }

    public PbMetadata withSpecHash(String hash) {
        return new PbMetadata(ownerNamespace, ownerName, ownerUid, image, digest, sshPort, sshUser, sshKeyPath, created, hash);
    }

    /** "namespace/name" of the owning resource. */
    public String owner() {
        return ownerNamespace + "/" + ownerName;
    }
}
