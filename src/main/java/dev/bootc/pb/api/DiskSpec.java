package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** The VM's disk: its virtual size, how the base disk is built, and the format of the VM's own disk. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DiskSpec {
    @Pattern(Validation.DISK_SIZE_PATTERN)
    @JsonPropertyDescription("Virtual size of the VM's disk, like 20Gi.")
    private String size;

    @JsonPropertyDescription("Root filesystem; none: the image's default.")
    private Filesystem filesystem;

    @Pattern(Validation.DISK_SIZE_PATTERN)
    @JsonPropertyDescription("Maximum size of the root filesystem, like 10Gi.")
    private String rootSizeMax;

    @JsonPropertyDescription("Format of the VM's own disk, fixed when it is made: qcow2 (default: an overlay on the cached base disk)"
            + " or raw (a sparse full copy of the base disk, no backing file).")
    private DiskFormat format;

    public DiskSpec() {
    }

    public String getSize() { return size; }
    public void setSize(String size) { this.size = size; }
    public Filesystem getFilesystem() { return filesystem; }
    public void setFilesystem(Filesystem filesystem) { this.filesystem = filesystem; }
    public String getRootSizeMax() { return rootSizeMax; }
    public void setRootSizeMax(String rootSizeMax) { this.rootSizeMax = rootSizeMax; }
    public DiskFormat getFormat() { return format; }
    public void setFormat(DiskFormat format) { this.format = format; }
}
