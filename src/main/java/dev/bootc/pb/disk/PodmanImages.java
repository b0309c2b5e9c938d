package dev.bootc.pb.disk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Filesystem;
import dev.bootc.pb.api.ImageRefs;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Images;
import dev.bootc.pb.port.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * {@link Images} through podman: an image reference becomes a local, bootable image, pulled when the
 * policy says so; and what pb needs to know of an image (its top-level folders, its install
 * configuration, cached per image ID).
 */
public final class PodmanImages implements Images {
    static final String BOOTC_LABEL = "containers.bootc";
    static final String BOOTC_BINARY = "usr/bin/bootc";
    static final Duration INSPECT_TIMEOUT = Duration.ofMinutes(1);
    static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Top-level entries by image ID: an ID names one content. */
    private final Map<String, Set<String>> topLevel = new java.util.concurrent.ConcurrentHashMap<>();
    private final ProcessRunner runner;
    private final boolean mountImages;
    private final InstallConfig installConfig;
    private final ImageSystemd systemd;

    /**
     * @param mountImages look for /usr/bin/bootc with {@code podman image mount} (root only) instead of a container
     * @param configCache where the images' install configurations and systemd versions are kept, files per image ID
     */
    public PodmanImages(ProcessRunner runner, boolean mountImages, Path configCache) {
        this.runner = runner;
        this.mountImages = mountImages;
        this.installConfig = new InstallConfig(runner, configCache);
        this.systemd = new ImageSystemd(runner, configCache);
    }

    /**
     * Finds the image in local storage (pulling it as {@code policy} says) and checks that it is a bootc image.
     *
     * Fails with ImageNotFound (not local and could not be pulled, or the policy is never), NotBootcImage (neither
     * the containers.bootc=1 label nor /usr/bin/bootc), RegistryUnreachable, PullFailed, PodmanMissing or PodmanFailed.
     */
    @Override
    public Image resolve(String reference, PullPolicy policy, Progress progress) {
        checkReference(reference);
        PullPolicy p = policy == null ? PullPolicy.IfNotPresent : policy;
        if (progress == null) progress = Progress.none();
        Optional<ImageInfo> info;
        if (ImageRefs.fullId(reference).isPresent()) {
            // an ID names an image of this host's storage and of no registry: there is nothing to pull
            info = inspect(reference);
            if (info.isEmpty()) {
                throw Failure.ImageNotFound.with("image " + ImageRefs.shortened(reference)
                        + " is not in local storage, and an image ID cannot be pulled: pull the image by its reference");
            }
        } else switch (p) {
            case Always -> {
                pull(reference, progress);
                info = inspect(reference);
            }
            case Never -> {
                info = inspect(reference);
                if (info.isEmpty()) {
                    throw Failure.ImageNotFound.with("image " + reference
                            + " is not in local storage and the pull policy is never: pull it with 'podman pull "
                            + reference + "' or use --pull missing (imagePullPolicy: IfNotPresent)");
                }
            }
            default -> {
                info = inspect(reference);
                if (info.isEmpty()) {
                    pull(reference, progress);
                    info = inspect(reference);
                }
            }
        }
        ImageInfo image = info.orElseThrow(() -> Failure.ImageNotFound.with("image " + reference + " is not in local storage after pulling it"));
        if (!isBootc(image)) {
            throw Failure.NotBootcImage.with("image " + reference + " is not a bootc image: it lacks the "
                    + BOOTC_LABEL + "=1 label and /" + BOOTC_BINARY);
        }
        return new Image(reference, image.id(), image.digest(), image.sizeBytes());
    }

    @Override
    public Optional<Image> local(String reference) {
        return inspect(reference).filter(this::isBootc).map(i -> new Image(reference, i.id(), i.digest(), i.sizeBytes()));
    }

    @Override
    public Optional<Filesystem> declaredRootFilesystem(Image image) {
        return installConfig.declared(image);
    }

    @Override
    public OptionalInt systemdVersion(Image image) {
        return systemd.version(image);
    }

    /**
     * A throw-away container of the image lists its root; by the image's ID, so the image looked at is the one resolved,
     * and once per ID: a run's check before anything is written and its pass after the pull ask the same image.
     */
    @Override
    public Set<String> topLevelEntries(Image image) {
        return topLevel.computeIfAbsent(image.id(), id -> listTopLevel(image));
    }

    private Set<String> listTopLevel(Image image) {
        String imageRef = image.reference();
        ProcessResult r = runner.run(Command.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root",
                "--entrypoint", "find", image.id(), "/", "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\n").timeout(Duration.ofMinutes(2)));
        if (!r.ok()) {
            throw Failure.ImageInspectFailed.with("cannot list the top-level folders of " + imageRef + ": " + r.errorTail(1).strip());
        }
        Set<String> out = new HashSet<>();
        for (String line : r.stdout().split("\n")) if (!line.isEmpty()) out.add(line);
        return Set.copyOf(out);
    }

    @Override
    public Storage storage() {
        ProcessResult r = runner.run(Command.of("podman", "info", "--format", "{{.Store.GraphRoot}} {{.Store.GraphDriverName}}")
                .timeout(java.time.Duration.ofMinutes(1)));
        String[] words = r.stdout().strip().split("\\s+");
        if (!r.ok() || words.length != 2 || !words[0].startsWith("/")) {
            throw Failure.PodmanFailed.with("podman info failed, so pb cannot tell where podman keeps images: " + r.errorTail(5));
        }
        return new Storage(java.nio.file.Path.of(words[0]), words[1]);
    }

    @Override
    public List<LocalImage> bootableImages() {
        ProcessResult r = runner.run(Command.of("podman", "images", "--filter", "label=" + BOOTC_LABEL + "=1", "--format",
                "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}").timeout(INSPECT_TIMEOUT))
                .orThrow(Failure.PodmanFailed, "podman images");
        List<LocalImage> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            String[] f = line.split("\t", -1);
            if (f.length == 5) out.add(new LocalImage(f[0], f[1], f[2], f[3], f[4]));
        }
        return out;
    }


    @Override
    public List<StoredImage> storedImages() {
        ProcessResult r = runner.run(Command.of("podman", "images", "--all", "--format", "json").timeout(INSPECT_TIMEOUT))
                .orThrow(Failure.PodmanFailed, "podman images");
        return parseStored(r.stdout());
    }

    /**
     * podman images --format json: an array of {Id, Names}; an untagged image has no Names (podman 4.3: null), and
     * podman 4.3 repeats an image once per tag: one entry per ID is kept, or a short ID would seem ambiguous.
     */
    static List<StoredImage> parseStored(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json.isBlank() ? "[]" : json);
        } catch (IOException e) {
            throw Failure.PodmanFailed.with("podman images gave unreadable JSON: " + e.getMessage(), e);
        }
        List<StoredImage> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode image : node) {
            String id = image.path("Id").asText("");
            if (id.startsWith("sha256:")) id = id.substring("sha256:".length());
            if (id.isEmpty() || !seen.add(id)) continue;
            List<String> names = new ArrayList<>();
            JsonNode n = image.path("Names").isArray() ? image.path("Names") : image.path("RepoTags");
            for (JsonNode name : n) if (!name.asText("").isEmpty() && !name.asText().startsWith("<none>")) names.add(name.asText());
            out.add(new StoredImage(id, names));
        }
        return out;
    }

    /** The image as podman knows it locally, or empty when it is not in local storage. Never pulls. */
    public Optional<ImageInfo> inspect(String reference) {
        checkReference(reference);
        ProcessResult r = runner.run(Command.of("podman", "image", "inspect", reference).timeout(INSPECT_TIMEOUT));
        if (!r.ok()) {
            if (!exists(reference)) return Optional.empty();
            r.orThrow(Failure.PodmanFailed, "podman image inspect " + reference);
        }
        return Optional.of(parseInspect(reference, r.stdout()));
    }

    /** True when the image carries the containers.bootc=1 label or, failing that, has /usr/bin/bootc. */
    public boolean isBootc(ImageInfo image) {
        if ("1".equals(image.labels().get(BOOTC_LABEL))) return true;
        return mountImages ? hasBootcBinaryMounted(image.id()) : hasBootcBinaryInContainer(image.id());
    }

    private boolean exists(String reference) {
        ProcessResult r = runner.run(Command.of("podman", "image", "exists", reference).timeout(INSPECT_TIMEOUT));
        if (r.exitCode() == 0) return true;
        if (r.exitCode() == 1) return false;
        throw Failure.PodmanFailed.with(r.failureMessage("podman image exists " + reference));
    }

    private void pull(String reference, Progress progress) {
        progress.phase("Pulling " + reference);
        ProcessResult r = runner.run(Command.of("podman", "pull", reference).timeout(PULL_TIMEOUT)
                .onOutput((s, line) -> progress.output(line)));
        if (r.ok()) return;
        PbException why = PullErrors.classify(reference, r.stderr());
        if (exists(reference)) {
            Failure f = why.failure() == Failure.RegistryUnreachable ? why.failure() : Failure.PullFailed;
            throw f.with(why.getMessage() + " (a local copy exists; use --pull missing, imagePullPolicy: IfNotPresent, to use it)");
        }
        throw why;
    }

    private boolean hasBootcBinaryMounted(String id) {
        ProcessResult r = runner.run(Command.of("podman", "image", "mount", id).timeout(INSPECT_TIMEOUT));
        if (!r.ok()) return hasBootcBinaryInContainer(id);
        try {
            Path root = Path.of(r.stdout().strip());
            // the image's own symlinks point into the image, not the host: do not follow them
            return Files.exists(root.resolve(BOOTC_BINARY), LinkOption.NOFOLLOW_LINKS);
        } finally {
            runner.run(Command.of("podman", "image", "unmount", id).timeout(INSPECT_TIMEOUT));
        }
    }

    private boolean hasBootcBinaryInContainer(String id) {
        ProcessResult r = runner.run(Command.of("podman", "run", "--rm", "--pull=never", "--network=none",
                "--entrypoint", "test", id, "-x", "/" + BOOTC_BINARY).timeout(INSPECT_TIMEOUT));
        return r.ok();
    }

    private static void checkReference(String reference) {
        if (reference == null || reference.isBlank() || reference.startsWith("-") || reference.chars().anyMatch(Character::isWhitespace)) {
            throw Failure.InvalidImage.with("'" + reference + "' is not an image reference");
        }
    }

    static ImageInfo parseInspect(String reference, String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw Failure.PodmanFailed.with("podman image inspect " + reference + " gave unreadable JSON: " + e.getMessage(), e);
        }
        if (node != null && node.isArray()) node = node.size() == 0 ? null : node.get(0);
        if (node == null || !node.hasNonNull("Id")) {
            throw Failure.PodmanFailed.with("podman image inspect " + reference + " gave no image id");
        }
        String id = node.get("Id").asText();
        String digest = node.path("Digest").asText("");
        if (digest.isBlank()) digest = id.startsWith("sha256:") ? id : "sha256:" + id;
        long size = node.path("Size").asLong(0);
        Map<String, String> labels = new HashMap<>();
        addLabels(labels, node.path("Config").path("Labels"));
        addLabels(labels, node.path("Labels"));
        return new ImageInfo(id, digest, size, Map.copyOf(labels));
    }

    private static void addLabels(Map<String, String> into, JsonNode labels) {
        if (labels == null || !labels.isObject()) return;
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            into.put(e.getKey(), e.getValue().asText());
        }
    }

    /** An image in local storage, bootable or not. */
    public record ImageInfo(String id, String digest, long sizeBytes, Map<String, String> labels) {
    }
}
