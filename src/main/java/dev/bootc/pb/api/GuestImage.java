package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Objects;

/** One deployment of a guest as its {@code bootc status} names it: the image it follows, the digest it holds, its version. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GuestImage {
    private String image;
    private String transport;
    private String digest;
    private String version;

    public GuestImage() {
    }

    public GuestImage(String image, String transport, String digest, String version) {
        this.image = image;
        this.transport = transport;
        this.digest = digest;
        this.version = version;
    }

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getTransport() { return transport; }
    public void setTransport(String transport) { this.transport = transport; }
    public String getDigest() { return digest; }
    public void setDigest(String digest) { this.digest = digest; }
    public String getVersion() { return version; }
    public void setVersion(String version) { this.version = version; }

    /** "localhost/my-os:latest@sha256:… (v2)", as progress and results print it. */
    @Override
    public String toString() {
        return image + "@" + digest + (version == null ? "" : " (" + version + ")");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GuestImage g && Objects.equals(image, g.image) && Objects.equals(transport, g.transport)
                && Objects.equals(digest, g.digest) && Objects.equals(version, g.version);
    }

    @Override
    public int hashCode() {
        return Objects.hash(image, transport, digest, version);
    }
}
