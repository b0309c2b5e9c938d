package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Ssh;

import java.util.Optional;

/** What removing a VM removes, in order: the domain (with NVRAM and TPM state), the disk (overlay or raw copy), the cloud-init seed, the VM's folder, its ports (SSH and forwards). */
final class Cleanup {
    private final Disks disks;
    private final Domains domains;
    private final Ssh ssh;
    private final VmLayout layout;

    Cleanup(Disks disks, Domains domains, Ssh ssh, VmLayout layout) {
        this.disks = disks;
        this.domains = domains;
        this.ssh = ssh;
        this.layout = layout;
    }

    void remove(VmKey key, Optional<Domain> domain, Integer port) {
        if (domain.isPresent()) {
            domains.releaseLeases(domain.get().name());
            domains.destroy(domain.get().name());
            domains.undefine(domain.get().name());
        }
        for (DiskFormat f : DiskFormat.values()) disks.delete(layout.disk(key, f));
        disks.delete(layout.nvram(key));
        disks.delete(layout.cloudInitSeed(key));
        disks.deleteFolder(layout.vmDir(key));
        ssh.releasePorts(layout.portOwner(key), port);
    }
}
