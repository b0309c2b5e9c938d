/**
 * The disk adapter: images through podman ({@link dev.bootc.pb.disk.PodmanImages}), base disks built with
 * {@code bootc install to-disk} and cached per digest and options ({@link dev.bootc.pb.disk.BaseDiskCache}),
 * and per-VM qcow2 overlays ({@link dev.bootc.pb.disk.Overlays}), behind {@link dev.bootc.pb.disk.LocalDisks}.
 */
package dev.bootc.pb.disk;
