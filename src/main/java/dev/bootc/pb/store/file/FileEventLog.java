package dev.bootc.pb.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Json;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.store.EventLog;
import dev.bootc.pb.store.StoreSemantics;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Events of file-store VMs: one JSON line each in {@code <root>/<namespace>/<name>.events}, outside
 * the store folder so that writing one wakes no store watch. Kept to the last {@link #KEEP} lines.
 */
public final class FileEventLog implements EventLog {
    private static final Logger LOG = Logger.getLogger(FileEventLog.class);
    static final int KEEP = 50;

    private final Path root;

    public FileEventLog(Path root) {
        this.root = root;
    }

    private Path file(VmKey key) {
        return root.resolve(key.namespace()).resolve(key.name() + ".events");
    }

    @Override
    public synchronized void record(BootcVm vm, String reason, String message, boolean warning) {
        Path f = file(VmKey.of(vm));
        try {
            FileModes.privateFolders(f.getParent());
            FileModes.privateFile(f); // an event's message may quote the spec
            String line = Json.mapper().writeValueAsString(new Recorded(StoreSemantics.now(), warning ? "Warning" : "Normal", reason, message));
            Files.writeString(f, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            List<String> lines = Files.readAllLines(f);
            if (lines.size() > 2 * KEEP) Files.write(f, lines.subList(lines.size() - KEEP, lines.size()));
        } catch (IOException e) {
            LOG.debugf("Could not record event %s of %s: %s", reason, vm.key(), e.getMessage());
        }
    }

    @Override
    public List<Recorded> recent(VmKey key, int max) {
        List<Recorded> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(file(key));
            for (String line : lines.subList(Math.max(0, lines.size() - max), lines.size())) {
                try {
                    out.add(Json.mapper().readValue(line, Recorded.class));
                } catch (JsonProcessingException e) {
                    // a torn line from a killed writer
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            LOG.debugf("Could not read the events of %s: %s", key, e.getMessage());
        }
        return out;
    }

    @Override
    public void forget(VmKey key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            LOG.debugf("Could not remove the events of %s: %s", key, e.getMessage());
        }
    }
}
