package dev.bootc.pb.verbs;

import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.Disks;
import dev.bootc.pb.port.Images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code pb cache list|prune} and {@code pb images}: the base disks of this host and the bootable images in local storage. */
public final class CacheVerbs {
    private final Disks disks;
    private final Images images;

    public CacheVerbs(Disks disks, Images images) {
        this.disks = disks;
        this.images = images;
    }

    /** A cached base disk with the overlays (VM disks) it backs. */
    public record CachedDisk(BaseDisk disk, List<String> users) {
    }

    public List<CachedDisk> list() {
        Map<Path, List<String>> users = users();
        List<CachedDisk> out = new ArrayList<>();
        for (BaseDisk b : disks.baseDisks()) out.add(new CachedDisk(b, users.getOrDefault(b.path().toAbsolutePath().normalize(), List.of())));
        return out;
    }

    /** Removes the base disks no overlay uses (any namespace's VM counts); returns their keys. */
    public List<String> prune() {
        return disks.prune(new HashSet<>(users().keySet())).stream().map(BaseDisk::key).toList();
    }

    public List<Images.LocalImage> images() {
        return images.bootableImages();
    }

    /** Base disk → the overlays it backs, named as their disk files are (namespace_name). */
    private Map<Path, List<String>> users() {
        Map<Path, List<String>> users = new LinkedHashMap<>();
        disks.overlays().forEach((overlay, base) -> users.computeIfAbsent(base, k -> new ArrayList<>())
                .add(overlay.getFileName().toString().replaceFirst("\\.qcow2$", "")));
        return users;
    }
}
