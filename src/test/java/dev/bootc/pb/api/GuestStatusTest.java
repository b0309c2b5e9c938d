package dev.bootc.pb.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bootc status --json read into the guest's view: bootc's Host schema (org.containers.bootc/v1), field names exact. */
class GuestStatusTest {
    /** As pb-fixture-ostree printed it in a guest booted into v2 with v1 as rollback (canonical JSON, keys sorted). */
    static final String BOOTED_V2 = "{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"BootcHost\",\"metadata\":{\"name\":\"host\"},"
            + "\"spec\":{\"bootOrder\":\"default\",\"image\":{\"image\":\"localhost/pb-fixture-ostree:v2\",\"transport\":\"containers-storage\"}},"
            + "\"status\":{\"booted\":{\"cachedUpdate\":null,\"composefs\":null,\"downloadOnly\":false,\"image\":{\"architecture\":\"amd64\","
            + "\"image\":{\"image\":\"localhost/pb-fixture-ostree:v2\",\"transport\":\"containers-storage\"},\"imageDigest\":\"sha256:41c6\","
            + "\"timestamp\":\"2026-12-07T08:04:16.424810164Z\",\"version\":\"v2\"},\"incompatible\":false,\"ostree\":{\"checksum\":\"9970\","
            + "\"deploySerial\":0,\"stateroot\":\"default\"},\"pinned\":false,\"softRebootCapable\":false,\"store\":\"ostreeContainer\"},"
            + "\"readOnly\":false,\"rollback\":{\"cachedUpdate\":null,\"composefs\":null,\"downloadOnly\":false,\"image\":{\"architecture\":\"amd64\","
            + "\"image\":{\"image\":\"localhost/pb-fixture-ostree:v1\",\"transport\":\"registry\"},\"imageDigest\":\"sha256:7131\","
            + "\"timestamp\":\"2026-12-07T08:04:14.967608368Z\",\"version\":\"v1\"},\"incompatible\":false,\"ostree\":{\"checksum\":\"5489\","
            + "\"deploySerial\":0,\"stateroot\":\"default\"},\"pinned\":false,\"softRebootCapable\":false,\"store\":\"ostreeContainer\"},"
            + "\"rollbackQueued\":false,\"staged\":null,\"type\":\"bootcHost\",\"usrOverlay\":null}}";

    @Test
    void bootedStagedRollbackAndTheQueue() {
        GuestStatus g = GuestStatus.fromBootcStatus(BOOTED_V2);
        assertEquals(new GuestImage("localhost/pb-fixture-ostree:v2", "containers-storage", "sha256:41c6", "v2"), g.getBooted());
        assertEquals(new GuestImage("localhost/pb-fixture-ostree:v1", "registry", "sha256:7131", "v1"), g.getRollback());
        assertNull(g.getStaged());
        assertFalse(g.getRollbackQueued());
        assertEquals("sha256:41c6", g.bootedDigest().orElseThrow());
        assertTrue(g.stagedDigest().isEmpty());
    }

    @Test
    void anEntryWithoutAnImageIsNone() {
        // a deployment bootc cannot tie to a container image (image: null), as on a plain ostree host
        GuestStatus g = GuestStatus.fromBootcStatus("{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"BootcHost\",\"status\":"
                + "{\"booted\":{\"image\":null,\"ostree\":{\"checksum\":\"ab\"}},\"staged\":null,\"rollback\":null,\"type\":null}}");
        assertNull(g.getBooted());
    }

    @Test
    void somethingElseIsRefusedNamingWhatItWas() {
        PbException e = assertThrows(PbException.class, () -> GuestStatus.fromBootcStatus("ERROR Status: not booted"));
        assertEquals("bootc status --json printed no JSON: ERROR Status: not booted", e.getMessage());
        e = assertThrows(PbException.class, () -> GuestStatus.fromBootcStatus("{\"kind\":\"Other\"}"));
        assertTrue(e.getMessage().startsWith("bootc status --json printed no BootcHost"), e.getMessage());
    }
}
