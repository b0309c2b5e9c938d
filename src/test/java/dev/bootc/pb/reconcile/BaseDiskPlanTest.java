package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.DiskSpec;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How the core turns a spec into base disk options, and picks the root file system. */
class BaseDiskPlanTest {
    static final Image IMAGE = new Image("localhost/x:1", "id", "sha256:1", 1 << 30);

    private static BootcVmSpec effective(BootcVmSpec spec) {
        return Defaults.apply(new BootcVm("default", "x", spec)).getSpec();
    }

    @Test
    void optionsComeFromTheSpec() {
        BootcVmSpec spec = new BootcVmSpec("localhost/x:1");
        DiskSpec disk = new DiskSpec();
        disk.setFilesystem(Filesystem.xfs);
        disk.setRootSizeMax("12Gi");
        disk.setSize("100Gi"); // the base disk is built at the VM's disk size, so the root spans it
        spec.setDisk(disk);
        spec.setKernelArgs(List.of("console=ttyS0"));
        spec.setFirmware(Firmware.bios);
        assertEquals(new BaseDiskOptions(Filesystem.xfs, 12L << 30, List.of("console=ttyS0"), Firmware.bios, 100L << 30),
                BaseDiskPlan.options(effective(spec), IMAGE, i -> Optional.of(Filesystem.ext4)));
    }

    @Test
    void theDefaultDiskSizeIsTheBaseDisks() {
        assertEquals(20L << 30, BaseDiskPlan.options(effective(new BootcVmSpec("img")), IMAGE, i -> Optional.empty()).diskSizeBytes());
    }

    @Test
    void theFileSystemIsTheSpecsElseTheImagesElseXfs() {
        assertEquals(Filesystem.xfs, BaseDiskPlan.options(effective(new BootcVmSpec("img")), IMAGE, i -> Optional.empty()).filesystem());
        assertEquals(Filesystem.ext4, BaseDiskPlan.options(effective(new BootcVmSpec("img")), IMAGE, i -> Optional.of(Filesystem.ext4)).filesystem());
    }
}
