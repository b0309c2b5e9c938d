package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.Objects;

/**
 * What pb last applied of a VM's image (the reference and the upgrade request it acted on), and the update that last
 * failed: that target is not tried again until spec.image or the upgrade request changes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStatus {
    @JsonPropertyDescription("The image reference the VM's deployment was last made or updated from.")
    private String image;
    @JsonPropertyDescription("The value of the bootc.dev/upgrade-requested-at annotation last acted on.")
    private String request;
    @JsonPropertyDescription("The image reference of the last update that failed (and was rolled back).")
    private String failedImage;
    @JsonPropertyDescription("The digest of the last update that failed.")
    private String failedDigest;
    @JsonPropertyDescription("The upgrade request of the last update that failed.")
    private String failedRequest;

    public UpdateStatus() {
    }

    public UpdateStatus(String image, String request) {
        this.image = image;
        this.request = request;
    }

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getRequest() { return request; }
    public void setRequest(String request) { this.request = request; }
    public String getFailedImage() { return failedImage; }
    public void setFailedImage(String failedImage) { this.failedImage = failedImage; }
    public String getFailedDigest() { return failedDigest; }
    public void setFailedDigest(String failedDigest) { this.failedDigest = failedDigest; }
    public String getFailedRequest() { return failedRequest; }
    public void setFailedRequest(String failedRequest) { this.failedRequest = failedRequest; }

    /** What was applied, with {@code image} at {@code digest} (for {@code request}) as the update that failed. */
    public UpdateStatus withFailed(String image, String digest, String request) {
        UpdateStatus u = new UpdateStatus(this.image, this.request);
        u.failedImage = image;
        u.failedDigest = digest;
        u.failedRequest = request;
        return u;
    }

    /** Whether the failed update was of this image and this request. */
    public boolean failed(String image, String request) {
        return failedImage != null && failedImage.equals(image) && Objects.equals(failedRequest, request);
    }
}
