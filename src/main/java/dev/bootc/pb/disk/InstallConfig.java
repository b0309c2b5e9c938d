package dev.bootc.pb.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.Filesystem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The root file system a base disk gets when the VM's spec names none: what the image's own install
 * configuration ({@code /usr/lib/bootc/install/*.toml}, read with {@code bootc install print-configuration})
 * declares, else {@link #DEFAULT}.
 *
 * <p>Fedora's bootc images declare none and bootc then refuses to install ("No root filesystem
 * specified"); CentOS Stream and RHEL declare xfs. pb's default is xfs for the same reason: it is the
 * declared choice of the images that do declare one, and Fedora's own default for servers. The answer
 * is kept per image ID, so an image is asked once.
 */
final class InstallConfig {
    static final Filesystem DEFAULT = Filesystem.xfs;
    static final String FOLDER = "install-config";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProcessRunner runner;
    private final Path cacheDir;

    InstallConfig(ProcessRunner runner, Path cacheDir) {
        this.runner = runner;
        this.cacheDir = cacheDir;
    }

    /** The file system to build: the image's declared one, else the default. */
    Filesystem rootFilesystem(ResolvedImage image) {
        return declared(image).orElse(DEFAULT);
    }

    /** What the image declares, if anything pb can build. */
    Optional<Filesystem> declared(ResolvedImage image) {
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

    private String ask(ResolvedImage image) {
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
            FileModes.directories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, ".config", ".tmp");
            Files.writeString(tmp, json);
            Files.move(tmp, cacheDir.resolve(safe(imageId) + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // asked again next time
        }
    }

    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9]", "_");
    }
}
