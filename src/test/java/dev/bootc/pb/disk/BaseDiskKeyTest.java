package dev.bootc.pb.disk;

import dev.bootc.pb.port.BaseDiskOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.DiskSpec;
import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.PbException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BaseDiskKeyTest {
    static final String DIGEST = "sha256:b15de600a0bcd9cf7b358f868ca4e3e05cb11e7e226a8cc4133c1e87a1250dfa";
    static final BaseDiskOptions DEFAULTS = BaseDiskOptions.defaults();

    @Test
    void keyIsShortHexAndStable() {
        String key = BaseDiskCache.key(DIGEST, DEFAULTS);
        assertTrue(key.matches("[0-9a-f]{16}"), key);
        assertEquals(key, BaseDiskCache.key(DIGEST, BaseDiskOptions.defaults()));
        // a golden value: changing how keys are computed orphans every cached disk, so it must be on purpose
        // (bump FORMAT_VERSION and update this value)
        assertEquals("3f6f26ea5442ba4b", key);
    }

    @Test
    void twoReferencesOfOneDigestGetADiskEach() {
        // the install records the reference as the deployment's origin: a disk built for one is not the other's (bcvk #138)
        String a = BaseDiskCache.key(DIGEST, "localhost/os:latest", DEFAULTS);
        String b = BaseDiskCache.key(DIGEST, "localhost/os:v1", DEFAULTS);
        assertTrue(!a.equals(b) && !a.equals(BaseDiskCache.key(DIGEST, DEFAULTS)), a + " " + b);
        assertEquals(a, BaseDiskCache.key(DIGEST, "localhost/os:latest", BaseDiskOptions.defaults()));
    }

    @Test
    void everyOptionChangesTheKey() {
        Set<String> keys = new HashSet<>();
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS));
        keys.add(BaseDiskCache.key("sha256:0000000000000000000000000000000000000000000000000000000000000000", DEFAULTS));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withFilesystem(Filesystem.ext4)));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withFilesystem(Filesystem.xfs)));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withFilesystem(Filesystem.btrfs)));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withRootSizeBytes(10L << 30)));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withRootSizeBytes(11L << 30)));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withFirmware(Firmware.bios)));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withKernelArgs(List.of("quiet"))));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withKernelArgs(List.of("quiet", "loglevel=3"))));
        keys.add(BaseDiskCache.key(DIGEST, DEFAULTS.withKernelArgs(List.of("loglevel=3", "quiet"))));
        // "a b" as one karg is refused, so ["a","b"] cannot collide with a karg holding a separator
        assertEquals(11, keys.size(), keys.toString());
    }

    @Test
    void firmwareDefaultsToUefiInTheKey() {
        assertEquals(BaseDiskCache.key(DIGEST, new BaseDiskOptions(null, null, null, null)),
                BaseDiskCache.key(DIGEST, new BaseDiskOptions(null, null, List.of(), Firmware.uefi)));
    }

    @Test
    void badOptionsAreInvalid() {
        PbException e = assertThrows(PbException.class, () -> DEFAULTS.withKernelArgs(List.of("two words")));
        assertEquals(ExitCodes.INVALID, e.exitCode());
        assertEquals("InvalidKernelArg", e.reason());
        assertEquals(ExitCodes.INVALID, assertThrows(PbException.class, () -> DEFAULTS.withRootSizeBytes(1024L)).exitCode());
    }

    @Test
    void rootSizeArgumentUsesBootcUnits() {
        assertEquals("10G", DEFAULTS.withRootSizeBytes(10L << 30).rootSizeArgument());
        assertEquals("1536M", DEFAULTS.withRootSizeBytes(1536L << 20).rootSizeArgument());
        assertEquals("92M", DEFAULTS.withRootSizeBytes(95_000_000L + (1L << 20)).rootSizeArgument());
        assertEquals(null, DEFAULTS.rootSizeArgument());
    }
}
