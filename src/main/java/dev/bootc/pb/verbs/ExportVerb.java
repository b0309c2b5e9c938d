package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Defaults;
import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.driver.DriverSupport;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.port.Progress;
import dev.bootc.pb.reconcile.Ownership;
import dev.bootc.pb.reconcile.VmLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code pb export}: a stopped VM's disk flattened into one image file (qcow2, raw or vmdk) that another hypervisor
 * can boot. Only a VM libvirt shows stopped is exported, and its lock is held throughout, so no driver of this host
 * starts it while its disk is read (QEMU's own image lock refuses a start by anyone else).
 */
public final class ExportVerb {
    private final Vms vms;
    private final Domains domains;
    private final Disks disks;
    private final VmLayout layout;
    private final DriverSupport support;

    public ExportVerb(Vms vms, Domains domains, Disks disks, VmLayout layout, DriverSupport support) {
        this.vms = vms;
        this.domains = domains;
        this.disks = disks;
        this.layout = layout;
        this.support = support;
    }

    /** What was written: the file (absolute) and its format. */
    public record Result(Path file, ExportFormat format) {
    }

    /**
     * Exports VM {@code name} to {@code file}, in {@code format} (null: the file's extension's, else qcow2).
     *
     * @param replace replace a file that is there (never a link, which is refused)
     */
    public Result export(String name, Path file, ExportFormat format, boolean replace, Progress progress) {
        Validation.requireName("name", name);
        Path target = file.toAbsolutePath().normalize();
        refusePbsOwnFolders(target);
        ExportFormat f = ExportFormat.forFile(format, target);
        BootcVm vm = vms.require(name);
        VmKey key = VmKey.of(vm);
        return support.exclusive(key, () -> {
            Optional<Domain> domain = domains.find(layout.domainName(key));
            Ownership.foreign(vm, domain, layout).ifPresent(why -> {
                throw Failure.OwnerConflict.with(why);
            });
            if (domain.isPresent() && domain.get().running()) {
                throw Failure.VmRunning.with("VM " + name + " is running: stop it first (pb stop " + name + "), then pb export " + name + " " + file);
            }
            Path disk = disk(vm, key);
            progress.phase("Exporting VM " + name + " to " + target + " (" + f + ")");
            disks.export(disk, target, f, replace, progress);
            return new Result(target, f);
        });
    }

    /** The VM's disk on this host: in its spec's format, else the one it was made in. */
    private Path disk(BootcVm vm, VmKey key) {
        List<Path> candidates = new ArrayList<>(List.of(layout.disk(key, Defaults.diskFormat(vm.getSpec()))));
        for (DiskFormat d : DiskFormat.values()) candidates.add(layout.disk(key, d));
        return candidates.stream().filter(disks::exists).findFirst().orElseThrow(() -> {
            String node = vm.getSpec().getNodeName();
            return Failure.DiskNotFound.with("VM " + vm.getMetadata().getName() + " has no disk on this host"
                    + (node == null ? "" : " (its node is " + node + ")") + ": it has not been started yet, or runs elsewhere");
        });
    }

    /** A file in pb's own folders could be a VM's disk or a base disk that other VMs boot from: never written over. */
    private void refusePbsOwnFolders(Path target) {
        Path folder = target.getParent();
        for (Path own : List.of(layout.imagesRoot(), layout.dataRoot())) {
            boolean inside = target.startsWith(own.toAbsolutePath().normalize());
            try {
                // by where the folder really is too: a link on the way may lead into pb's folders
                inside |= folder != null && Files.isDirectory(folder) && Files.isDirectory(own) && folder.toRealPath().startsWith(own.toRealPath());
            } catch (IOException e) {
                // unreadable: judged by the path alone
            }
            if (inside) throw Failure.Invalid.with(target + " is in pb's own folder " + own + ": export to a folder of yours");
        }
    }
}
