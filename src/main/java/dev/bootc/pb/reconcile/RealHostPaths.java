package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.Disks;

import java.nio.file.Path;

/**
 * A tenant's host paths as where they really lead, links resolved: the policy judges those, and libvirt is given
 * those, so a link under an allowed folder cannot share what lies outside it. (A path that does not exist is
 * left as it is: the policy refuses it, or libvirt does.)
 */
final class RealHostPaths {
    private RealHostPaths() {
    }

    /** Rewrites the spec's volume host paths and cloud-init folder in place. */
    static void resolve(Disks disks, BootcVmSpec spec) {
        for (VolumeMount v : spec.volumesOrEmpty()) {
            if (v.getHostPath() != null && v.getHostPath().startsWith("/")) {
                try {
                    v.setHostPath(disks.realPath(Path.of(v.getHostPath())).toString());
                } catch (PbException e) {
                    // stays as given
                }
            }
        }
        if (spec.getCloudInit() != null && spec.getCloudInit().getPath() != null && spec.getCloudInit().getPath().startsWith("/")) {
            try {
                spec.getCloudInit().setPath(disks.realPath(Path.of(spec.getCloudInit().getPath())).toString());
            } catch (PbException e) {
                // stays as given
            }
        }
    }
}
