package dev.bootc.pb.disk;

import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.Image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The major version of an image's systemd, as {@code systemctl --version} says it in a throw-away container of the
 * image (what its guests boot with: CentOS Stream 9 and RHEL 9 have 252, Fedora 42 has 257). An answer is kept per
 * image ID beside the install configurations, so an image is asked once; no answer is kept, so it is asked again.
 */
final class ImageSystemd {
    /** {@code systemd 252 (252.39-1~deb12u2)}, {@code systemd 252 (252-51.el9)}, {@code systemd 257 (257.9-1.fc42)}. */
    private static final Pattern FIRST_LINE = Pattern.compile("^systemd (\\d{2,4})\\b");
    static final String SUFFIX = ".systemd";

    private final ProcessRunner runner;
    private final Path cacheDir;

    ImageSystemd(ProcessRunner runner, Path cacheDir) {
        this.runner = runner;
        this.cacheDir = cacheDir;
    }

    /** The image's systemd major version, or empty when it cannot be told (no systemctl, podman failed). */
    OptionalInt version(Image image) {
        OptionalInt cached = cached(image.id());
        if (cached.isPresent()) return cached;
        ProcessResult r = runner.run(Command.of("podman", "run", "--rm", "--pull=never", "--network=none", "--user", "root:root",
                "--entrypoint", "systemctl", image.reference(), "--version").timeout(Duration.ofMinutes(2)));
        OptionalInt v = r.ok() ? parse(r.stdout()) : OptionalInt.empty();
        v.ifPresent(n -> store(image.id(), n));
        return v;
    }

    static OptionalInt parse(String versionOutput) {
        if (versionOutput == null) return OptionalInt.empty();
        Matcher m = FIRST_LINE.matcher(versionOutput.strip());
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    private OptionalInt cached(String imageId) {
        if (imageId == null) return OptionalInt.empty();
        Path f = cacheDir.resolve(safe(imageId) + SUFFIX);
        try {
            // pb's own file: a link or anything else there is not its answer
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return OptionalInt.empty();
            return OptionalInt.of(Integer.parseInt(Files.readString(f).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private void store(String imageId, int version) {
        if (imageId == null) return;
        try {
            FileModes.diskFolders(cacheDir);
            AtomicFiles.write(cacheDir.resolve(safe(imageId) + SUFFIX), Integer.toString(version).getBytes(StandardCharsets.UTF_8), null);
        } catch (IOException | RuntimeException e) {
            // asked again next time
        }
    }

    private static String safe(String id) {
        return id.replaceAll("[^A-Za-z0-9]", "_");
    }
}
