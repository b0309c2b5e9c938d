package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Progress;

import java.nio.file.Path;
import java.util.List;

/**
 * A VM's own disk file, in the format its spec asks for ({@link VmLayout#disk} names it by its format): which file
 * is the VM's, what an earlier VM of the name left, and how the disk is made from the base disk. A disk's format is
 * fixed when it is made: a spec that later asks for another is refused, the disk left as it is, since turning a
 * guest's disk into the other format is a full copy of its data that no edit of a field should start by itself.
 */
final class VmDisk {
    private VmDisk() {
    }

    /**
     * The VM's disk path in {@code format}. Disk files at this VM's paths that an earlier VM of the name left are
     * removed first (never booted as this VM's); this VM's disk in another format is refused (DiskFormatChanged).
     *
     * @param ownsDisks whether files at this VM's disk paths are its own: it recorded a disk, or has its domain
     */
    static Path settle(Disks disks, VmLayout layout, VmKey key, DiskFormat format, boolean ownsDisks, List<Outcome.Event> events) {
        Path wanted = layout.disk(key, format);
        for (DiskFormat f : DiskFormat.values()) {
            Path p = layout.disk(key, f);
            if (!disks.exists(p)) continue;
            if (!ownsDisks) {
                disks.delete(p);
                events.add(new Outcome.Event(VmEvent.Deleted, "Removed the disk an earlier VM " + key.name() + " left behind", true));
            } else if (f != format && !disks.exists(wanted)) {
                throw Failure.DiskFormatChanged.with("spec.disk.format: invalid value " + Validation.quote(format.name()) + ": VM "
                        + key.name() + "'s disk was made " + f + " (" + p + ") and a disk's format cannot change: set it back to " + f
                        + ", or remove the VM and create it again (its disk is lost; pb export " + key.name() + " FILE keeps a copy)");
            }
        }
        return wanted;
    }

    /** Makes {@code disk} from the base disk: a qcow2 overlay (instant), or a raw copy (seconds a GiB of the base's data). */
    static void create(Disks disks, Path base, Path disk, long sizeBytes, Progress progress) {
        if (DiskFormat.ofFile(disk) == DiskFormat.raw) {
            progress.phase("Copying the base disk to a raw disk");
            disks.createRawCopy(base, disk, sizeBytes, progress);
        } else {
            disks.createOverlay(base, disk, sizeBytes);
        }
    }
}
