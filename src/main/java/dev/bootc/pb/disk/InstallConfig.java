package dev.bootc.pb.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The root file system an image's own install configuration ({@code /usr/lib/bootc/install/*.toml},
 * read with {@code bootc install print-configuration}) declares, if any. The answer is kept per image
 * ID, so an image is asked once.
 */
final class InstallConfig {
    static final String FOLDER = "install-config";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProcessRunner runner;
    private final Path cacheDir;

    InstallConfig(ProcessRunner runner, Path cacheDir) {
        this.runner = runner;
        this.cacheDir = cacheDir;
    }

    /** What the image declares, if anything pb can build. */
    Optional<Filesystem> declared(Image image) {
        String json = cached(image.id()).orElseGet(() -> ask(image));
        return parseRootFilesystem(json);
    }

    /** {@code root-fs-type} (what bootc prints), or {@code filesystem.root.type} (the TOML's own shape). */
    static Optional<Filesystem> parseRootFilesystem(String json) {
        if (json == null || json.isBlank()) return Optional.empty();
        try {
            JsonNode n = JSON.readTree(json);
            String type = n.path("root-fs-type").asText("");
            if (type.isEmpty()) type = n.path("filesystem").path("root").path("type").asText("");
            if (type.isEmpty()) return Optional.empty();
            try {
                return Optional.of(Filesystem.valueOf(type.toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                return Optional.empty(); // a file system pb cannot name: bootc then uses the image's own choice
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private String ask(Image image) {
        ProcessResult r = runner.run(Command.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root",
                "--entrypoint", "bootc", image.reference(), "install", "print-configuration").timeout(Duration.ofMinutes(2)));
        // an old bootc without print-configuration, or an image that declares nothing: no answer
        String json = r.ok() ? r.stdout().strip() : "";
        store(image.id(), json);
        return json;
    }

    private Optional<String> cached(String imageId) {
        if (imageId == null) return Optional.empty();
        try {
            Path f = cacheDir.resolve(safe(imageId) + ".json");
            return Files.isRegularFile(f) ? Optional.of(Files.readString(f)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void store(String imageId, String json) {
        if (imageId == null) return;
        try {
            // a disk folder, though QEMU never reads it: it sits in the base disks' folder, which pb may be making now
            FileModes.diskFolders(cacheDir);
            AtomicFiles.write(cacheDir.resolve(safe(imageId) + ".json"), json.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
        } catch (IOException | RuntimeException e) {
            // asked again next time
        }
    }

    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9]", "_");
    }
}
