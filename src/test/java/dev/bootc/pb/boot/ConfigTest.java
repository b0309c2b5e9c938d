package dev.bootc.pb.boot;

import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.disk.BaseDiskBuilder;
import dev.bootc.pb.port.Accel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The environment, read once: defaults for root and for a user, overrides, and malformed values named. */
class ConfigTest {
    static final Path HOME = Path.of("/home/u");

    @Test
    void rootAndAUserGetTheirOwnDefaults() {
        Config root = Config.load(Map.of("NODE_NAME", "n1"), "root", Path.of("/root"), Config.Options.none());
        assertEquals("qemu:///system", root.libvirtUri());
        assertEquals(Path.of("/var/lib/pb"), root.dataRoot());
        assertEquals(Path.of("/var/lib/libvirt/images/pb"), root.imagesRoot());
        assertEquals(Path.of("/var/lib/pb/store"), root.storeDir());
        assertEquals(StoreKind.file, root.store());
        assertEquals("n1", root.node());
        assertEquals(Duration.ofMinutes(5), root.sshTimeout());

        Config user = Config.load(Map.of(), "u", HOME, Config.Options.none());
        assertEquals("qemu:///session", user.libvirtUri());
        assertEquals(HOME.resolve(".local/share/pb"), user.dataRoot());
        assertEquals(HOME.resolve(".local/share/pb/images"), user.imagesRoot());
        assertEquals(Path.of("/x/pb"), Config.load(Map.of("XDG_DATA_HOME", "/x"), "u", HOME, Config.Options.none()).dataRoot());
    }

    @Test
    void rootBuildsBaseDisksInAPrivilegedContainerAUserInAnInstallerVm() {
        assertEquals(BaseDiskBuilder.Method.container, Config.load(Map.of(), "root", Path.of("/root"), Config.Options.none()).diskBuilder());
        assertEquals(BaseDiskBuilder.Method.vm, Config.load(Map.of(), "u", HOME, Config.Options.none()).diskBuilder());
        assertEquals(BaseDiskBuilder.Method.vm, Config.load(Map.of("PB_DISK_BUILDER", "VM"), "root", Path.of("/root"), Config.Options.none()).diskBuilder());
        PbException notRoot = assertThrows(PbException.class,
                () -> Config.load(Map.of("PB_DISK_BUILDER", "container"), "u", HOME, Config.Options.none()));
        assertEquals("PB_DISK_BUILDER: container needs root (a privileged container): use vm, or unset it", notRoot.getMessage());
        PbException bad = assertThrows(PbException.class, () -> Config.load(Map.of("PB_DISK_BUILDER", "chroot"), "u", HOME, Config.Options.none()));
        assertEquals("PB_DISK_BUILDER: invalid value \"chroot\": use container or vm", bad.getMessage());
        assertEquals(ExitCodes.INVALID, bad.exitCode());
    }

    @Test
    void theEnvironmentAndThenTheCommandLineOverride() {
        Config c = Config.load(Map.of("PB_STORE", "kube", "PB_ACCEL", "kvm", "PB_SSH_TIMEOUT", "900", "PB_LIBVIRT_URI", "test:///default"),
                "u", HOME, new Config.Options(StoreKind.file, Path.of("/s"), "team", null, null, true, false));
        assertEquals(StoreKind.file, c.store());
        assertEquals(Path.of("/s"), c.storeDir());
        assertEquals("team", c.namespace());
        assertEquals(Optional.of(Accel.KVM), c.accel());
        assertEquals(Duration.ofSeconds(900), c.sshTimeout());
        assertEquals("test:///default", c.libvirtUri());
    }

    @Test
    void aMalformedValueIsAnErrorNamingTheVariable() {
        for (var bad : Map.of("PB_SSH_TIMEOUT", "5m", "PB_RUN_TIMEOUT", "-1", "PB_SHUTDOWN_TIMEOUT", "soon", "PB_ACCEL", "hvf",
                "PB_STORE", "etcd", "PB_DATA_DIR", "relative/dir").entrySet()) {
            PbException e = assertThrows(PbException.class, () -> Config.load(Map.of(bad.getKey(), bad.getValue()), "u", HOME, Config.Options.none()));
            assertEquals(Failure.InvalidConfig, e.failure());
            assertEquals(ExitCodes.INVALID, e.exitCode());
            assertTrue(e.getMessage().startsWith(bad.getKey() + ": invalid value \"" + bad.getValue() + "\""), e.getMessage());
        }
    }
}
