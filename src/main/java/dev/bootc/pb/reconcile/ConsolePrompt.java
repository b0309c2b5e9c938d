package dev.bootc.pb.reconcile;

import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.Domains.SerialChunk;
import dev.bootc.pb.port.Domains.SerialPosition;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a boot that began after this was made has shown its login prompt on the serial console, and since when:
 * a guest whose boot reached its prompt and whose SSH still refuses {@link #GRACE} later is not going to answer (its
 * sshd is masked, failed or missing), so an update's gate need not wait out the whole SSH timeout for it. A boot
 * that never shows a kernel banner and a prompt on the console is judged by the timeout alone.
 */
final class ConsolePrompt {
    /** How long SSH has after the prompt: first-boot work (host keys) and a loaded TCG guest's late network fit in it. */
    static final Duration GRACE = Duration.ofMinutes(2);
    private static final int CHUNK = 1 << 16;
    private static final int KEEP = 4 << 20;

    private final Domains domains;
    private final Path log;
    private final Clock clock;
    private SerialPosition at;
    private final StringBuilder boot = new StringBuilder();
    private Instant promptSeen;

    /** Begins at the console's end now: only what the next boot writes counts. */
    ConsolePrompt(Domains domains, Path log, Clock clock) {
        this.domains = domains;
        this.log = log;
        this.clock = clock;
        this.at = domains.readSerialLog(log, new SerialPosition(null, Long.MAX_VALUE), 0).map(SerialChunk::next).orElse(SerialPosition.START);
    }

    /** Reads what the console wrote since the last look; true once the new boot's prompt is {@link #GRACE} old. */
    boolean promptLongAgo() {
        while (true) {
            Optional<SerialChunk> c = domains.readSerialLog(log, at, CHUNK);
            if (c.isEmpty()) break;
            if (c.get().restarted()) boot.setLength(0); // a new log: a power cycle's boot, all of it new
            at = c.get().next();
            if (c.get().bytes().length == 0) break;
            boot.append(new String(c.get().bytes(), StandardCharsets.ISO_8859_1));
            if (boot.length() > KEEP) boot.delete(0, boot.length() - KEEP);
        }
        if (promptSeen == null && prompted(boot)) promptSeen = clock.instant();
        return promptSeen != null && clock.instant().isAfter(promptSeen.plus(GRACE));
    }

    /** The kernel's banner, then a getty's prompt ("fedora login: "), in what the console wrote. */
    static boolean prompted(CharSequence console) {
        String text = console.toString();
        int kernel = text.lastIndexOf("Linux version ");
        return kernel >= 0 && text.indexOf(" login: ", kernel) > 0;
    }
}
