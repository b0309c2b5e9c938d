package dev.bootc.pb.libvirt;

import dev.bootc.pb.port.Domains.SerialChunk;
import dev.bootc.pb.port.Domains.SerialPosition;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads the serial log virtlogd writes for a domain ({@code <serial><log file=.. append='off'/>}),
 * chunk by chunk, as {@code tail -F} would: a log replaced by a new boot (pb removes it before each
 * start) or truncated is read again from its start.
 */
final class SerialLogs {
    private SerialLogs() {
    }

    static Optional<SerialChunk> read(Path log, SerialPosition from, int maxBytes) {
        try (FileChannel ch = FileChannel.open(log)) {
            BasicFileAttributes attrs = Files.readAttributes(log, BasicFileAttributes.class);
            String key = String.valueOf(attrs.fileKey());
            long size = ch.size();
            boolean restarted = from.fileKey() != null && (!from.fileKey().equals(key) || size < from.offset());
            long offset = restarted ? 0 : Math.min(from.offset(), size);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(maxBytes, Math.max(0, size - offset)));
            while (buf.hasRemaining()) {
                int n = ch.read(buf, offset + buf.position());
                if (n <= 0) break;
            }
            byte[] bytes = Arrays.copyOf(buf.array(), buf.position());
            return Optional.of(new SerialChunk(bytes, new SerialPosition(key, offset + bytes.length), restarted));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The last {@code maxBytes} of a serial log; empty when there is none. */
    static String tail(Path log, int maxBytes) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "r")) {
            long from = Math.max(0, f.length() - maxBytes);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** When the console last wrote to the log (its mtime), if there is one. */
    static Optional<java.time.Instant> written(Path log) {
        try {
            return Optional.of(java.nio.file.Files.getLastModifiedTime(log).toInstant());
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** Removes a log before a boot (libvirt truncates it anyway: append='off'). */
    static void reset(Path log) {
        try {
            java.nio.file.Files.deleteIfExists(log);
        } catch (java.io.IOException e) {
            // libvirt truncates it anyway
        }
    }
}
