package dev.bootc.pb.port;

import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.Validation;
import java.util.List;

/**
 * How a base disk is built from an image: everything that changes its bytes, so everything in its cache key.
 * The disk size is here: the base disk is built at the VM's disk size so that the root partition
 * (and file system) spans the whole disk the guest sees, as podman-bootc does; growing a bootc root
 * after the fact needs tools the images do not all have.
 *
 * @param filesystem    root filesystem, or null until decided (the image's install configuration, else pb's default)
 * @param rootSizeBytes maximum size of the root partition, or null to fill the disk
 * @param kernelArgs    extra kernel arguments, in order
 * @param firmware      the firmware the VM boots with
 * @param diskSizeBytes size of the whole disk, or null for the minimum the image needs
 */
public record BaseDiskOptions(Filesystem filesystem, Long rootSizeBytes, List<String> kernelArgs, Firmware firmware, Long diskSizeBytes) {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    /** Options without a disk size: the base disk gets the minimum size the image needs. */
    public BaseDiskOptions(Filesystem filesystem, Long rootSizeBytes, List<String> kernelArgs, Firmware firmware) {
        this(filesystem, rootSizeBytes, kernelArgs, firmware, null);
    }

    public BaseDiskOptions {
        kernelArgs = kernelArgs == null ? List.of() : List.copyOf(kernelArgs);
        firmware = firmware == null ? Defaults.FIRMWARE : firmware;
        if (rootSizeBytes != null && rootSizeBytes < 64 * MIB) {
            throw Failure.InvalidRootSize.with("root size " + rootSizeBytes + " bytes is too small: use at least 64Mi");
        }
        for (String karg : kernelArgs) {
            if (karg == null || !karg.matches(Validation.KARG_PATTERN)) {
                throw Failure.InvalidKernelArg.with("kernel argument '" + karg + "' must be one word without spaces");
            }
        }
    }

    public static BaseDiskOptions defaults() {
        return new BaseDiskOptions(null, null, List.of(), Defaults.FIRMWARE);
    }

    public BaseDiskOptions withFilesystem(Filesystem value) {
        return new BaseDiskOptions(value, rootSizeBytes, kernelArgs, firmware, diskSizeBytes);
    }

    public BaseDiskOptions withRootSizeBytes(Long value) {
        return new BaseDiskOptions(filesystem, value, kernelArgs, firmware, diskSizeBytes);
    }

    public BaseDiskOptions withKernelArgs(List<String> value) {
        return new BaseDiskOptions(filesystem, rootSizeBytes, value, firmware, diskSizeBytes);
    }

    public BaseDiskOptions withFirmware(Firmware value) {
        return new BaseDiskOptions(filesystem, rootSizeBytes, kernelArgs, value, diskSizeBytes);
    }

    public BaseDiskOptions withDiskSizeBytes(Long value) {
        return new BaseDiskOptions(filesystem, rootSizeBytes, kernelArgs, firmware, value);
    }

    /** The value of bootc's {@code --root-size} (its units: M, G), rounded up to whole MiB; null when unset. */
    public String rootSizeArgument() {
        if (rootSizeBytes == null) return null;
        if (rootSizeBytes % GIB == 0) return (rootSizeBytes / GIB) + "G";
        return ((rootSizeBytes + MIB - 1) / MIB) + "M";
    }
}
