package dev.bootc.pb.port;

import java.util.Optional;

/** What the hypervisor says about one domain right now: its state, UUID and our metadata (when it is ours). */
public record Domain(String name, String uuid, State state, PbMetadata metadata) {

    /** The domain states pb acts on; the rest are OTHER. */
    public enum State {
        RUNNING, SHUTOFF, PAUSED, CRASHED, OTHER
    }

    /** Our metadata, empty when the domain is not ours. */
    public Optional<PbMetadata> pbMetadata() {
        return Optional.ofNullable(metadata);
    }

    public boolean owned() {
        return metadata != null;
    }

    /** Running as far as pb is concerned: a paused guest still holds its resources and its port. */
    public boolean running() {
        return state == State.RUNNING || state == State.PAUSED;
    }
}
