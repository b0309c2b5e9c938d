package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.Quantity;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;

import java.util.Optional;
import java.util.function.Function;

/**
 * How a VM's base disk is built: from its spec, with the root file system the spec names, else the
 * one the image's own install configuration declares, else {@link #DEFAULT_FILESYSTEM}.
 *
 * <p>Fedora's bootc images declare none and bootc then refuses to install ("No root filesystem
 * specified"); CentOS Stream and RHEL declare xfs. pb's default is xfs for the same reason: it is the
 * declared choice of the images that do declare one, and Fedora's own default for servers.
 */
final class BaseDiskPlan {
    static final Filesystem DEFAULT_FILESYSTEM = Filesystem.xfs;

    private BaseDiskPlan() {
    }

    /** The options of the spec (defaults applied), the file system decided. */
    static BaseDiskOptions options(BootcVmSpec spec, Image image, Function<Image, Optional<Filesystem>> declared) {
        String root = spec.getDisk().getRootSizeMax();
        Long rootBytes = null;
        if (root != null) {
            long b = Quantity.bytes(root);
            if (b <= 0) throw Failure.InvalidRootSize.with("spec.disk.rootSizeMax '" + root + "' is not a size like 10Gi");
            rootBytes = b;
        }
        long sizeBytes = Quantity.bytes(spec.getDisk().getSize());
        if (sizeBytes <= 0) throw Failure.InvalidDiskSize.with("spec.disk.size '" + spec.getDisk().getSize() + "' is not a size like 20Gi");
        Filesystem fs = spec.getDisk().getFilesystem();
        if (fs == null) fs = declared.apply(image).orElse(DEFAULT_FILESYSTEM);
        return new BaseDiskOptions(fs, rootBytes, spec.kernelArgsOrEmpty(), spec.getFirmware(), sizeBytes);
    }
}
