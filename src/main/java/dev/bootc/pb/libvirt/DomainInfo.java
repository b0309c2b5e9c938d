package dev.bootc.pb.libvirt;

import java.util.Optional;

/** What libvirt says about one domain right now: its state, UUID and our metadata (when it is ours). */
public record DomainInfo(String name, String uuid, State state, PbMetadata metadata) {

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

    public boolean running() {
        return state == State.RUNNING;
    }
}
