package dev.bootc.pb.verbs;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Domains.SerialChunk;
import dev.bootc.pb.port.Domains.SerialPosition;
import dev.bootc.pb.reconcile.VmLayout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code pb logs}, {@code pb console} and the boot {@code pb run} shows: a VM's serial console, read
 * from the log virtlogd keeps of it, or attached to.
 */
public final class SerialConsoles {
    static final int CHUNK = 64 * 1024;
    static final Duration POLL = Duration.ofMillis(200);
    /** How often {@code logs -f} looks whether the VM is still there. */
    static final Duration GONE_CHECK = Duration.ofSeconds(2);

    private final Vms vms;
    private final Domains domains;
    private final VmLayout layout;

    public SerialConsoles(Vms vms, Domains domains, VmLayout layout) {
        this.vms = vms;
        this.domains = domains;
        this.layout = layout;
    }

    /**
     * Writes the VM's serial log to {@code out}: what it holds now, then, with {@code follow}, what
     * comes, across reboots, until the VM is removed or {@code stop} says so. Fails with VmNotFound, and
     * NoSerialLog when the VM never booted here (without follow; following waits for it).
     */
    public void logs(String name, boolean follow, Consumer<byte[]> out, BooleanSupplier stop) {
        BootcVm vm = vms.require(name);
        Path log = layout.serialLog(VmKey.of(vm));
        SerialPosition at = SerialPosition.START;
        boolean seen = false;
        long lastCheck = System.nanoTime();
        while (true) {
            Optional<SerialChunk> c = domains.readSerialLog(log, at, CHUNK);
            if (c.isPresent()) {
                seen = true;
                at = c.get().next();
                if (c.get().bytes().length > 0) {
                    out.accept(c.get().bytes());
                    continue;
                }
            }
            if (!follow) {
                if (!seen) throw Failure.NoSerialLog.with("VM " + name + " has no serial log on this host yet: it has not booted here (see pb inspect " + name + ")");
                return;
            }
            if (stop.getAsBoolean()) return;
            if (System.nanoTime() - lastCheck > GONE_CHECK.toNanos()) {
                if (vms.find(name).isEmpty()) return;
                lastCheck = System.nanoTime();
            }
            sleep(POLL);
        }
    }

    /** Attaches the caller's terminal to the VM's serial console until Ctrl-]. Fails with VmNotFound, VmNotRunning. */
    public void console(String name) {
        BootcVm vm = vms.require(name);
        String domain = layout.domainName(VmKey.of(vm));
        if (!domains.find(domain).map(Domain::running).orElse(false)) {
            throw Failure.VmNotRunning.with("VM " + name + " is not running: pb start " + name);
        }
        domains.attachConsole(domain);
    }

    /**
     * Follows the VM's serial log from its end now (a new boot's log from its start) on a thread of its
     * own, until closed: raw bytes to {@code raw}, and each complete line, without terminal escapes, to
     * {@code lines}.
     */
    public Watch watch(String name, Consumer<byte[]> raw, Consumer<String> lines) {
        Path log = layout.serialLog(vms.key(name));
        SerialPosition end = domains.readSerialLog(log, new SerialPosition(null, Long.MAX_VALUE), 0)
                .map(SerialChunk::next).orElse(SerialPosition.START);
        LineSplitter splitter = new LineSplitter(lines);
        Thread t = new Thread(() -> {
            SerialPosition at = end;
            while (!Thread.currentThread().isInterrupted()) {
                Optional<SerialChunk> c = domains.readSerialLog(log, at, CHUNK);
                if (c.isPresent()) {
                    at = c.get().next();
                    if (c.get().bytes().length > 0) {
                        raw.accept(c.get().bytes());
                        splitter.accept(c.get().bytes());
                        continue;
                    }
                }
                if (!sleep(POLL)) return;
            }
        }, "pb-serial-watch");
        t.setDaemon(true);
        t.start();
        return () -> {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** A running watch; closing it stops it. */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /** Splits bytes into lines, dropping ANSI escape sequences and carriage returns; blank lines are skipped. */
    static final class LineSplitter implements Consumer<byte[]> {
        private final Consumer<String> lines;
        private final StringBuilder partial = new StringBuilder();

        LineSplitter(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public void accept(byte[] bytes) {
            partial.append(new String(bytes, StandardCharsets.UTF_8));
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = clean(partial.substring(0, nl));
                partial.delete(0, nl + 1);
                if (!line.isBlank()) lines.accept(line);
            }
        }

        static String clean(String line) {
            String s = line.replaceAll("\u001b\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001b[()][0-9A-Za-z]", "");
            int cr = s.lastIndexOf('\r', s.length() - 2);
            if (cr >= 0) s = s.substring(cr + 1);
            return s.replace("\r", "").replaceAll("\\p{Cntrl}", "").strip();
        }
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
