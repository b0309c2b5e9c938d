package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.os.TrustedFolder;
import dev.bootc.pb.port.CloudInitSeed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The NoCloud seed of a VM: an ISO 9660 image labelled CIDATA (Joliet and Rock Ridge) holding
 * user-data, meta-data, network-config and vendor-data, made with the mkisofs of the host
 * (genisoimage on Debian, xorriso's xorrisofs on Fedora; cloud-localds and podman-bootc use the same).
 * A hash of the content is its application identifier, so an unchanged seed is not made again.
 */
final class SeedIso {
    /** Changes when what goes into a seed (or how) changes. */
    static final String FORMAT = "pb-seed-1";
    static final String APP_ID = "pb-seed-";
    /** The primary volume descriptor's application identifier: sector 16, bytes 574 to 701. */
    private static final int APP_ID_OFFSET = 16 * 2048 + 574;
    private static final int APP_ID_LENGTH = 128;
    /** mkisofs-compatible programs, in order of preference; the last takes -as mkisofs first. */
    static final List<List<String>> TOOLS = List.of(List.of("genisoimage"), List.of("xorrisofs"), List.of("mkisofs"),
            List.of("xorriso", "-as", "mkisofs"));

    private final ProcessRunner runner;
    private final List<List<String>> tools;

    SeedIso(ProcessRunner runner) {
        this(runner, TOOLS);
    }

    /** @param tools the programs to try, in order (a missing one is skipped) */
    SeedIso(ProcessRunner runner, List<List<String>> tools) {
        this.runner = runner;
        this.tools = tools;
    }

    /** Writes {@code iso} from {@code seed} unless it holds that content already; returns the content's hash. */
    String write(Path iso, CloudInitSeed seed) {
        Map<String, String> files = files(seed);
        String hash = hash(files);
        Path work = null;
        try {
            if (hash.equalsIgnoreCase(applicationId(iso).orElse(""))) {
                // one an earlier pb left readable by all is made private too
                FileModes.ownerOnly(iso);
                return hash;
            }
            // made as the overlays' folder is (QEMU must reach both), now that the seed may come first
            FileModes.diskFolders(iso.getParent());
            work = Files.createTempDirectory(iso.getParent(), ".seed-"); // 0700: the user-data is written there first
            Path content = Files.createDirectory(work.resolve("content"));
            List<String> args = new ArrayList<>();
            Path out = work.resolve("seed.iso");
            args.addAll(List.of("-output", out.toString(), "-volid", CloudInitSeed.LABEL, "-appid", APP_ID + hash, "-joliet", "-rock", "-quiet"));
            for (var f : files.entrySet()) {
                Path p = content.resolve(f.getKey());
                Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
                args.add(p.toString());
            }
            run(args, iso);
            // 0600 like the overlay: libvirt chowns the seed to QEMU's user at start (measured), and the user-data may hold secrets
            FileModes.ownerOnly(out);
            Files.move(out, iso, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return hash;
        } catch (IOException e) {
            throw Failure.SeedFailed.with("cannot make the cloud-init seed " + iso + ": " + e.getMessage(), e);
        } finally {
            if (work != null) AtomicFiles.deleteTree(work);
        }
    }

    /**
     * The files of the seed, by name: the folder's NoCloud files or the inline ones, then the defaults for
     * what is missing. The folder is read as {@link TrustedFolder} reads (no link followed, no file of
     * another user): a root pb reads it whoever named it, and a refused file is UnsafeFile.
     */
    static Map<String, String> files(CloudInitSeed seed) {
        Map<String, String> files = new TreeMap<>();
        if (seed.folder() != null) {
            Path dir = seed.folder();
            Map<String, byte[]> read;
            try {
                read = TrustedFolder.read(dir.toAbsolutePath(), CloudInitSeed.FILES, "cloud-init");
            } catch (NoSuchFileException | NotDirectoryException e) {
                throw Failure.InvalidCloudInit.with("cloud-init folder " + dir + " does not exist (or is not a folder)", e);
            } catch (FileSystemException e) {
                throw Failure.InvalidCloudInit.with("cannot read cloud-init " + (e.getFile() == null ? "folder " + dir : e.getFile()) + ": "
                        + FileModes.reason(e), e);
            } catch (IOException e) {
                throw Failure.InvalidCloudInit.with("cannot read the cloud-init folder " + dir + ": " + FileModes.reason(e), e);
            }
            read.forEach((name, content) -> files.put(name, text(dir.resolve(name), content)));
            if (files.isEmpty()) {
                throw Failure.InvalidCloudInit.with("cloud-init folder " + dir + " holds none of user-data, meta-data, network-config, vendor-data");
            }
        } else {
            files.putAll(seed.inline());
        }
        seed.defaults().forEach(files::putIfAbsent);
        return files;
    }

    /** A seed file's content, which must be UTF-8 text (what the seed is made of). */
    private static String text(Path file, byte[] content) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(content)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw Failure.InvalidCloudInit.with("cloud-init file " + file + " is not UTF-8 text: give it as text (a gzip'd user-data is not taken)");
        }
    }

    static String hash(Map<String, String> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(FORMAT.getBytes(StandardCharsets.UTF_8));
            for (var f : new TreeMap<>(files).entrySet()) {
                md.update((byte) 0);
                md.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(f.getValue().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The content hash a seed made by pb carries, if {@code iso} is one. */
    static Optional<String> applicationId(Path iso) {
        try (var ch = java.nio.channels.FileChannel.open(iso)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(APP_ID_LENGTH);
            while (b.hasRemaining() && ch.read(b, APP_ID_OFFSET + b.position()) > 0) {
                // read the whole field
            }
            String id = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return id.regionMatches(true, 0, APP_ID, 0, APP_ID.length()) ? Optional.of(id.substring(APP_ID.length())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Runs the first of the tools this host has. */
    private void run(List<String> args, Path iso) {
        for (List<String> tool : tools) {
            List<String> argv = new ArrayList<>(tool);
            argv.addAll(args);
            ProcessResult r;
            try {
                r = runner.run(Command.of(argv).timeout(Duration.ofMinutes(1)));
            } catch (dev.bootc.pb.api.PbException e) {
                if (e.failure() == Failure.ProgramMissing) continue;
                throw e;
            }
            if (!r.ok()) throw Failure.SeedFailed.with(r.failureMessage(tool.get(0) + " (cloud-init seed " + iso + ")"));
            return;
        }
        throw Failure.IsoToolMissing.with("cloud-init needs genisoimage or xorriso to make its CIDATA seed: apt-get install genisoimage,"
                + " or dnf install xorriso, or run pb doctor --fix");
    }
}
