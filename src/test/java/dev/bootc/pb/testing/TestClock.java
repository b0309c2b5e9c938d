package dev.bootc.pb.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test moves by hand. */
public final class TestClock extends Clock implements dev.bootc.pb.reconcile.InPlaceUpdate.Pause {
    private volatile Instant now = Instant.parse("2026-12-01T10:00:00Z");

    /** A wait on this clock moves it (the core's waits, in tests). */
    @Override
    public void sleep(Duration d) {
        advance(d);
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
