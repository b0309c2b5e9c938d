package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VolumeMount;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Volumes a bootc guest (read-only root) can mount, and those it cannot. */
class GuestPathsTest {
    @Test
    void guestPathsUnderVarAndTheImagesFoldersWorkOthersAreRefused() {
        AtomicInteger looks = new AtomicInteger();
        Supplier<Set<String>> image = () -> {
            looks.incrementAndGet();
            return Set.of("usr", "var", "etc", "root", "mnt", "home", "srv", "opt");
        };
        assertDoesNotThrow(() -> GuestPaths.check("img", List.of(new VolumeMount("/h", "/var/data", false)), image));
        assertEquals(0, looks.get(), "/var needs no look at the image");
        assertDoesNotThrow(() -> GuestPaths.check("img", List.of(new VolumeMount("/h", "/mnt/share", false), new VolumeMount("/h", "/srv/x", true)), image));
        PbException e = assertThrows(PbException.class, () -> GuestPaths.check("img", List.of(new VolumeMount("/h", "/data", false)), image));
        assertEquals(ExitCodes.INVALID, e.exitCode());
        assertEquals("InvalidGuestPath", e.reason());
        assertTrue(e.getMessage().contains("/data") && e.getMessage().contains("/var") && e.getMessage().contains("/mnt"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertThrows(PbException.class, () -> GuestPaths.check("img", List.of(new VolumeMount("/h", "/", false)), image));
        assertEquals("data", GuestPaths.topLevel("//data/x"));
    }
}
