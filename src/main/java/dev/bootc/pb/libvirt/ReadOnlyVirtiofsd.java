package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.AtomicFiles;
import dev.bootc.pb.os.FileModes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * pb's virtiofsd for read-only volumes: a script libvirt runs in place of virtiofsd, which serves the folder from a
 * read-only bind mount of it (libvirt 9.0 has no read-only virtiofs, and a read-only guest mount is undone by root
 * in the guest). Written where pb keeps its state, by pb, before a domain that needs it is defined.
 */
final class ReadOnlyVirtiofsd {
    static final String RESOURCE = "virtiofsd-ro.sh";

    private ReadOnlyVirtiofsd() {
    }

    /** The script for this host's virtiofsd. */
    static String script(Path virtiofsd) {
        try (InputStream in = ReadOnlyVirtiofsd.class.getResourceAsStream(RESOURCE)) {
            String template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return template.replace("@VIRTIOFSD@", "'" + virtiofsd.toString().replace("'", "'\\''") + "'");
        } catch (IOException e) {
            throw new IllegalStateException("missing resource " + RESOURCE, e);
        }
    }

    /**
     * Writes the script at {@code path} (mode 0700 in pb's private folders, never through a link) unless it already
     * holds exactly that: libvirt runs virtiofsd as its own user (root under qemu:///system, measured), never as QEMU's.
     */
    static void ensure(Path path, Path virtiofsd) {
        byte[] wanted = script(virtiofsd).getBytes(StandardCharsets.UTF_8);
        try {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && Arrays.equals(Files.readAllBytes(path), wanted)) return;
            FileModes.privateFolders(path.getParent());
            AtomicFiles.write(path, wanted, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw Failure.LibvirtError.with("cannot write " + path + " (pb's virtiofsd for read-only volumes): " + FileModes.reason(e), e);
        }
    }
}
