package dev.bootc.pb.disk;

import dev.bootc.pb.api.DiskFormat;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.os.PartialFile;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.port.Progress;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pb export}'s file: a VM's disk flattened by qemu-img into one self-contained image (qcow2, raw or vmdk) at
 * a path the user names. qemu-img follows the overlay's backing chain, so the image has no backing file. The file
 * holds the guest's secrets, as the disk does: it is its owner's alone (0600), and written in a private folder
 * beside it, put at its name only when complete ({@link PartialFile}): a failure, Ctrl-C or kill leaves no partial
 * image under that name.
 */
final class DiskExports {
    private final Overlays overlays;

    DiskExports(Overlays overlays) {
        this.overlays = overlays;
    }

    /**
     * Writes {@code disk} (a VM's own disk, whose format its extension tells) to {@code file} in {@code format}.
     * Everything about {@code file} is checked before anything is written.
     *
     * @param replace replace a regular file at {@code file} (else AlreadyExists)
     */
    Path export(Path disk, Path file, ExportFormat format, boolean replace, Progress progress) {
        Path target = file.toAbsolutePath().normalize();
        checkTarget(target, replace);
        if (!Files.isRegularFile(disk, LinkOption.NOFOLLOW_LINKS)) throw Failure.DiskNotFound.with("disk " + disk + " does not exist");
        List<String> argv = new ArrayList<>(List.of("qemu-img", "convert", "-p",
                // -f always: a raw disk's first bytes are the guest's, and a probed "qcow2 header" there could name a
                // host file as its backing file, which qemu-img would then copy into the image
                "-f", DiskFormat.ofFile(disk).name(), "-O", format.name()));
        if (format == ExportFormat.vmdk) argv.addAll(List.of("-o", "subformat=monolithicSparse"));
        try (PartialFile part = PartialFile.beside(target)) {
            argv.add(disk.toString());
            argv.add(part.path().toString());
            overlays.convert(Command.of(argv), "qemu-img convert " + disk + " to " + target, progress);
            part.publish(target, replace);
            return target;
        } catch (FileAlreadyExistsException e) {
            throw exists(target);
        } catch (IOException e) {
            throw Failure.DiskCreateFailed.with("cannot write " + target + ": " + FileModes.reason(e), e);
        }
    }

    /** What is wrong with {@code target} as a file to write, before anything is written. */
    static void checkTarget(Path target, boolean replace) {
        if (Files.isSymbolicLink(target)) {
            throw Failure.UnsafeFile.with(target + " is a link: pb export writes through no link: name the file itself");
        }
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw Failure.Invalid.with(target + " is a folder: name the image file, like " + target.resolve("disk.qcow2"));
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                throw Failure.Invalid.with(target + " is not a regular file: name another file");
            }
            if (!replace) throw exists(target);
        }
        Path folder = target.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw Failure.FileNotFound.with("folder " + folder + " does not exist: create it, or name a file in a folder that does");
        }
        int mode = unixMode(folder);
        // anyone may rename or delete entries of such a folder, so what pb writes there could be swapped midway
        if ((mode & 0002) != 0 && (mode & 01000) == 0) {
            throw Failure.UnsafeFile.with("folder " + folder + " can be written by anyone and is not sticky: export into a folder of your own");
        }
    }

    private static dev.bootc.pb.api.PbException exists(Path target) {
        return Failure.AlreadyExists.with(target + " exists: add --force to replace it, or name another file");
    }

    private static int unixMode(Path folder) {
        try {
            return (Integer) Files.getAttribute(folder, "unix:mode");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }
}
