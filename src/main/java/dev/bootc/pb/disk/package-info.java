/**
 * From a container image to a VM's disk: image resolution through podman ({@link dev.bootc.pb.disk.ImageResolver}),
 * base disks built with {@code bootc install to-disk} and cached per digest and options
 * ({@link dev.bootc.pb.disk.BaseDiskCache}), and per-VM qcow2 overlays ({@link dev.bootc.pb.disk.Overlays}).
 * External programs run through {@link dev.bootc.pb.disk.ProcessRunner}.
 */
package dev.bootc.pb.disk;
