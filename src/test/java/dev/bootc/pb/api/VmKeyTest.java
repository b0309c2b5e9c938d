package dev.bootc.pb.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A VmKey names files and folders (disk, key folder, events): one that is no pair of DNS labels is never made. */
class VmKeyTest {
    @Test
    void aKeyIsTwoDnsLabels() {
        assertEquals("default/web", new VmKey("default", "web").toString());
        assertEquals(new VmKey("team-a", "db-1"), VmKey.parse("team-a/db-1"));
    }

    @Test
    void aNameThatCouldBuildAPathIsRefusedWhenTheKeyIsMade() {
        for (String[] bad : new String[][] {{"default", "../../../../../tmp/victim"}, {"..", "web"}, {"default", "a/b"}, {"default", "Web"},
                {"default", ""}, {"", "web"}, {"default", "a".repeat(64)}, {"default", "web\n"}}) {
            PbException e = assertThrows(PbException.class, () -> new VmKey(bad[0], bad[1]), String.join("/", bad));
            assertEquals(Failure.InvalidName, e.failure(), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("metadata.name") || e.getMessage().startsWith("metadata.namespace"), e.getMessage());
        }
        assertThrows(PbException.class, () -> VmKey.parse("default/a/../../b"));
    }

    @Test
    void aDomainWhoseMetadataNamesNoVmMapsToNone() {
        var started = dev.bootc.pb.port.DomainEvent.Type.STARTED;
        assertEquals(java.util.Optional.of(new VmKey("default", "web")),
                new dev.bootc.pb.port.DomainEvent("default_web", "default", "web", started, "").owner());
        assertEquals(java.util.Optional.empty(),
                new dev.bootc.pb.port.DomainEvent("default_x", "default", "../../../tmp/victim", started, "").owner(), "no key, no exception");
    }
}
