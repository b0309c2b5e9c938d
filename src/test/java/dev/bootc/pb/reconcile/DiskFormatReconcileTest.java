package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Conditions;
import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.DiskSpec;
import dev.bootc.pb.api.ExitCodes;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.VmKey;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** spec.disk.format through the real core: a raw VM's disk is a copy of the base disk, and a disk's format never changes under it. */
class DiskFormatReconcileTest extends CoreTest {
    static BootcVm vm(DiskFormat format) {
        BootcVm vm = vm("demo", "uid-1");
        if (format != null) {
            vm.getSpec().setDisk(new DiskSpec());
            vm.getSpec().getDisk().setFormat(format);
        }
        return vm;
    }

    private static void setFormat(BootcVm vm, DiskFormat format) {
        if (vm.getSpec().getDisk() == null) vm.getSpec().setDisk(new DiskSpec());
        vm.getSpec().getDisk().setFormat(format);
        vm.getMetadata().setGeneration(vm.getMetadata().getGeneration() + 1);
    }

    @Test
    void aRawVmBootsFromARawCopyOfTheBaseDiskNamedByItsFormat() {
        BootcVm vm = vm(DiskFormat.raw);
        world.ssh.ready = true;
        assertNull(pass(vm).failure());
        assertEquals(List.of("resolve", "build", "rawcopy", "define", "start", "probe"), world.calls, "a copy, no overlay");
        Path disk = Path.of("/images/vms/default_demo.raw");
        assertEquals(disk, layout.disk(VmKey.of(vm), DiskFormat.raw));
        assertEquals(Path.of("/cache/k1.qcow2"), world.disks.rawCopies.get(disk), "a copy of the VM's base disk");
        assertTrue(world.disks.overlays.isEmpty());
        assertEquals(disk.toString(), vm.getStatus().getDiskPath());
        assertEquals(disk, world.domains.specs.get("default_demo").diskPath());
        assertEquals(DiskFormat.raw, world.domains.specs.get("default_demo").diskFormat());
        assertEquals("True", vm.getStatus().condition(Conditions.READY).orElseThrow().getStatus());

        world.calls.clear();
        world.domains.stopBehindOurBack("default_demo");
        pass(vm);
        assertEquals(List.of("start", "probe"), world.calls, "booted again on the same disk, not copied again");
    }

    @Test
    void theDefaultIsTheQcow2OverlayAsBefore() {
        BootcVm vm = vm(null);
        pass(vm);
        assertEquals(Path.of("/images/vms/default_demo.qcow2"), world.domains.specs.get("default_demo").diskPath());
        assertEquals(layout.overlay(VmKey.of(vm)), layout.disk(VmKey.of(vm), DiskFormat.qcow2));
        assertEquals(DiskFormat.qcow2, world.domains.specs.get("default_demo").diskFormat());
        assertEquals(1, world.count("overlay"));
        assertEquals(0, world.count("rawcopy"));
    }

    @Test
    void aChangedFormatIsRefusedForGoodAndTheDiskAndTheRunningVmAreLeftAlone() {
        BootcVm vm = vm(null);
        world.ssh.ready = true;
        pass(vm);
        Path qcow2 = layout.disk(VmKey.of(vm), DiskFormat.qcow2);
        world.calls.clear();

        setFormat(vm, DiskFormat.raw);
        Outcome o = pass(vm);
        assertEquals(Failure.DiskFormatChanged, o.failure().failure());
        assertEquals(ExitCodes.CONFLICT, o.failure().exitCode());
        assertTrue(o.failure().terminal());
        String m = o.failure().getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("spec.disk.format: invalid value \"raw\": VM demo's disk was made qcow2 (" + qcow2 + ")"), m);
        assertEquals(List.of(), world.calls, "nothing copied, defined, stopped or removed: " + world.calls);
        assertTrue(world.disks.files.contains(qcow2), "the disk is kept");
        assertTrue(world.domains.domains.get("default_demo").running(), "the VM runs on, on its disk");
        assertEquals("DiskFormatChanged", vm.getStatus().condition(Conditions.DISK_READY).orElseThrow().getReason());

        world.calls.clear();
        assertEquals(Failure.DiskFormatChanged, pass(vm).failure().failure(), "terminal: the same generation is not tried again");
        assertEquals(List.of(), world.calls);

        setFormat(vm, DiskFormat.qcow2);
        assertNull(pass(vm).failure(), "set back, the VM is itself again");
        assertEquals("True", vm.getStatus().condition(Conditions.READY).orElseThrow().getStatus());
    }

    @Test
    void aRawDiskAnEarlierVmOfTheNameLeftIsNotAdoptedAndRemovingTheVmRemovesItsRawDisk() {
        BootcVm vm = vm(DiskFormat.raw);
        Path raw = layout.disk(VmKey.of(vm), DiskFormat.raw);
        Path qcow2 = layout.disk(VmKey.of(vm), DiskFormat.qcow2);
        world.disks.files.add(raw);
        world.disks.files.add(qcow2);
        pass(vm);
        assertEquals(1, world.count("rawcopy"), "copied afresh");
        assertFalse(world.disks.files.contains(qcow2), "the other format's leftover goes too");
        assertTrue(world.disks.files.contains(raw));

        vm.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
        pass(vm);
        assertFalse(world.disks.files.contains(raw), "pb rm removes a raw disk as it removes an overlay");
        assertFalse(world.domains.domains.containsKey("default_demo"));
    }
}
