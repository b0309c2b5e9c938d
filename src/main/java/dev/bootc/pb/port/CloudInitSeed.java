package dev.bootc.pb.port;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * What a NoCloud seed holds: the files of a host folder, or files given inline, and the files to add
 * when neither has them (a meta-data with the VM's instance-id and host name).
 *
 * @param folder   a host folder to read {@link #FILES} from, or null
 * @param inline   file name to content, when there is no folder
 * @param defaults file name to content, for the names neither the folder nor the inline data has
 */
public record CloudInitSeed(Path folder, Map<String, String> inline, Map<String, String> defaults) {
    /** The files of the NoCloud datasource, the only ones a seed takes from a folder. */
    public static final Set<String> FILES = Set.of("user-data", "meta-data", "network-config", "vendor-data");
    /** The volume label cloud-init looks for. */
    public static final String LABEL = "CIDATA";

    public CloudInitSeed {
        inline = inline == null ? Map.of() : Map.copyOf(inline);
        defaults = defaults == null ? Map.of() : Map.copyOf(defaults);
        if (folder != null && !inline.isEmpty()) throw new IllegalArgumentException("a seed comes from a folder or inline data, not both");
    }
}
