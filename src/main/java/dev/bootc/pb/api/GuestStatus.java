package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;
import java.util.Optional;

/**
 * What the guest says it boots, from {@code bootc status --json} (bootc's Host, org.containers.bootc/v1): the booted,
 * staged and rollback deployments and whether the rollback is queued for the next boot. The guest is the truth for
 * what is booted, as libvirt is for what runs.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class GuestStatus {
    private GuestImage booted;
    private GuestImage staged;
    private GuestImage rollback;
    private Boolean rollbackQueued;
    private String observedAt;

    public GuestImage getBooted() { return booted; }
    public void setBooted(GuestImage booted) { this.booted = booted; }
    public GuestImage getStaged() { return staged; }
    public void setStaged(GuestImage staged) { this.staged = staged; }
    public GuestImage getRollback() { return rollback; }
    public void setRollback(GuestImage rollback) { this.rollback = rollback; }
    public Boolean getRollbackQueued() { return rollbackQueued; }
    public void setRollbackQueued(Boolean rollbackQueued) { this.rollbackQueued = rollbackQueued; }
    public String getObservedAt() { return observedAt; }
    public void setObservedAt(String observedAt) { this.observedAt = observedAt; }

    /** The booted deployment's digest, if the guest named one. */
    @JsonIgnore
    public Optional<String> bootedDigest() {
        return Optional.ofNullable(booted).map(GuestImage::getDigest);
    }

    /** The staged deployment's digest, if there is one. */
    @JsonIgnore
    public Optional<String> stagedDigest() {
        return Optional.ofNullable(staged).map(GuestImage::getDigest);
    }

    /** The same deployments (the time it was read aside). */
    public boolean sameDeployments(GuestStatus o) {
        return o != null && Objects.equals(booted, o.booted) && Objects.equals(staged, o.staged)
                && Objects.equals(rollback, o.rollback) && Objects.equals(rollbackQueued, o.rollbackQueued);
    }

    /**
     * Parses {@code bootc status --json} (or {@code --format json}). Fails with Failed, naming what it got, when the text
     * is not bootc's Host: a guest whose bootc cannot say what it boots cannot be updated in place.
     */
    public static GuestStatus fromBootcStatus(String json) {
        JsonNode host;
        try {
            host = Json.mapper().readTree(json == null ? "" : json);
        } catch (JsonProcessingException e) {
            throw Failure.Failed.with("bootc status --json printed no JSON: " + shorten(json));
        }
        if (host == null || !"BootcHost".equals(host.path("kind").asText()) || !host.path("status").isObject()) {
            throw Failure.Failed.with("bootc status --json printed no BootcHost: " + shorten(json));
        }
        JsonNode st = host.path("status");
        GuestStatus g = new GuestStatus();
        g.booted = entry(st.path("booted"));
        g.staged = entry(st.path("staged"));
        g.rollback = entry(st.path("rollback"));
        g.rollbackQueued = st.path("rollbackQueued").asBoolean(false);
        return g;
    }

    /** A BootEntry: image.image {image, transport}, image.imageDigest, image.version; null for none or one without an image. */
    private static GuestImage entry(JsonNode e) {
        JsonNode image = e.path("image");
        if (!image.isObject()) return null;
        JsonNode ref = image.path("image");
        return new GuestImage(text(ref.path("image")), text(ref.path("transport")), text(image.path("imageDigest")),
                text(image.path("version")));
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : null;
    }

    private static String shorten(String s) {
        if (s == null || s.isBlank()) return "(nothing)";
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }

    public GuestStatus copy() {
        return Json.copy(this, GuestStatus.class);
    }
}
