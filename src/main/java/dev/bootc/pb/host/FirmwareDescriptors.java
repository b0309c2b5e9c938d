package dev.bootc.pb.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * QEMU's firmware descriptors ({@code /usr/share/qemu/firmware/*.json}, docs/interop/firmware.json),
 * which libvirt's {@code <os firmware='efi'>} chooses from. pb never names a firmware file itself;
 * it reads the descriptors only to tell, before a VM is defined, whether a choice can succeed.
 */
public final class FirmwareDescriptors {
    /** Where QEMU and libvirt look, lowest priority first (a later file of the same name wins). */
    public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/usr/share/qemu/firmware"), Path.of("/etc/qemu/firmware"));

    /** One descriptor: its file, interface types, architectures and features. */
    public record Descriptor(Path file, Set<String> interfaceTypes, Set<String> architectures, Set<String> features) {
        public boolean uefiFor(String arch) {
            return interfaceTypes.contains("uefi") && architectures.contains(arch);
        }

        /** Secure Boot with Microsoft's keys enrolled: what signed shims need. */
        public boolean secureEnrolled() {
            return features.contains("secure-boot") && features.contains("enrolled-keys");
        }
    }

    private final List<Descriptor> descriptors;

    private FirmwareDescriptors(List<Descriptor> descriptors) {
        this.descriptors = List.copyOf(descriptors);
    }

    public static FirmwareDescriptors load() {
        return load(DEFAULT_DIRS);
    }

    public static FirmwareDescriptors load(List<Path> dirs) {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted()
                        .forEach(f -> byName.put(f.getFileName().toString(), f));
            } catch (IOException e) {
                // an unreadable folder holds nothing we can use
            }
        }
        ObjectMapper json = new ObjectMapper();
        List<Descriptor> out = new ArrayList<>();
        for (Path f : byName.values()) {
            try {
                JsonNode n = json.readTree(f.toFile());
                Set<String> arches = new TreeSet<>();
                n.path("targets").forEach(t -> arches.add(t.path("architecture").asText()));
                out.add(new Descriptor(f, strings(n.path("interface-types")), arches, strings(n.path("features"))));
            } catch (IOException e) {
                // a broken descriptor is skipped, as QEMU and libvirt do
            }
        }
        return new FirmwareDescriptors(out);
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> s = new TreeSet<>();
        array.forEach(v -> s.add(v.asText()));
        return s;
    }

    public List<Descriptor> all() {
        return descriptors;
    }

    /** UEFI builds for this architecture (libvirt's names: x86_64, aarch64). */
    public List<Descriptor> uefi(String arch) {
        return descriptors.stream().filter(d -> d.uefiFor(arch)).toList();
    }

    public boolean hasUefi(String arch) {
        return !uefi(arch).isEmpty();
    }

    public boolean hasSecureEnrolled(String arch) {
        return uefi(arch).stream().anyMatch(Descriptor::secureEnrolled);
    }
}
