package dev.bootc.pb.reconcile;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the end of a VM's serial console says about a boot that gave no SSH answer, for the SshTimeout
 * message: a guest kernel crash or stall, or systemd's emergency mode, when the console shows one; its last
 * line; and how long ago it wrote, which tells a hung guest (silent for minutes) from a slow one.
 */
final class ConsoleTail {
    /** The longest quote of the console, in characters: the message stays one line a person reads. */
    static final int MAX_QUOTE = 200;
    /** How far after a crash's first line its RIP line may stand (the register dump comes right after it). */
    private static final int RIP_WITHIN_LINES = 40;

    /** A way a boot cannot go on, as the kernel or systemd print it. */
    private record Trouble(String what, Pattern line) {
    }

    // In this order for one line: a soft lockup is printed as "watchdog: BUG: soft lockup", a stall, not a crash.
    private static final List<Trouble> TROUBLES = List.of(
            new Trouble("the guest kernel is stuck", Pattern.compile(
                    "soft lockup - CPU|hard LOCKUP|self-detected stall|detected stalls on CPU|blocked for more than \\d+ seconds")),
            new Trouble("the guest kernel panicked", Pattern.compile("Kernel panic - not syncing")),
            new Trouble("the guest kernel crashed", Pattern.compile("Oops: |BUG: |kernel BUG at |general protection fault")),
            new Trouble("the guest's systemd is in emergency mode", Pattern.compile("You are in emergency mode|Entering emergency mode")));
    /** The kernel's instruction pointer at a crash, when it names a function: {@code RIP: 0010:enqueue_task_fair+0x4e/0x6d0}. */
    private static final Pattern KERNEL_RIP = Pattern.compile("RIP: [0-9a-f]{4}:(\\S+\\+0x[0-9a-f]+/0x[0-9a-f]+)");
    /** Terminal escape sequences (colours, cursor moves: systemd and the firmware draw with them). */
    private static final Pattern ESCAPE = Pattern.compile("\u001b(?:\\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|.)?");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    private ConsoleTail() {
    }

    /**
     * One sentence on the console's end, ending with where the whole log is.
     *
     * @param tail    the end of the serial log, as read (escapes and control characters included)
     * @param written when the console last wrote to it; empty when there is no log
     */
    static String describe(String tail, Optional<Instant> written, Instant now, Path log) {
        if (tail.isEmpty() && written.isEmpty()) return "the console wrote nothing (no " + log + ")";
        List<String> lines = lines(tail);
        String ago = written.map(w -> Math.max(0, Duration.between(w, now).toSeconds()) + " s ago").orElse(null);
        StringBuilder sb = new StringBuilder();
        trouble(lines).ifPresent(t -> sb.append(t).append("; "));
        if (lines.isEmpty()) {
            sb.append(tail.isEmpty() ? "the console wrote nothing" : "the console wrote nothing legible").append(ago == null ? "" : ", last " + ago);
        } else {
            sb.append("the console's last line").append(ago == null ? "" : ", " + ago).append(": ").append(quote(lines.get(lines.size() - 1)));
        }
        return sb.append("; see ").append(log).toString();
    }

    /** The first trouble the console shows (the first crash causes what follows it), with where the kernel was. */
    private static Optional<String> trouble(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            for (Trouble t : TROUBLES) {
                if (!t.line().matcher(lines.get(i)).find()) continue;
                String where = "";
                for (int j = i + 1; j < Math.min(lines.size(), i + RIP_WITHIN_LINES); j++) {
                    Matcher rip = KERNEL_RIP.matcher(lines.get(j));
                    if (rip.find()) {
                        where = " at " + rip.group(1);
                        break;
                    }
                }
                return Optional.of(t.what() + ": " + quote(lines.get(i)) + where);
            }
        }
        return Optional.empty();
    }

    /** The console's lines as a person saw them: escapes and control characters gone, blank lines left out. */
    private static List<String> lines(String tail) {
        String text = ESCAPE.matcher(tail).replaceAll("").replace('\t', ' ');
        return Pattern.compile("[\r\n]+").splitAsStream(text)
                .map(l -> CONTROL.matcher(l).replaceAll("").strip())
                .filter(l -> !l.isEmpty())
                .toList();
    }

    private static String quote(String line) {
        return "\"" + (line.length() <= MAX_QUOTE ? line : line.substring(0, MAX_QUOTE - 3) + "...") + "\"";
    }
}
