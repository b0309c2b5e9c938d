package dev.bootc.pb.os;

import dev.bootc.pb.api.Failure;
import java.time.Duration;
import java.util.List;

/**
 * What a finished (or timed-out) program left behind.
 *
 * @param exitCode the exit status; -1 when the program was killed at its timeout
 */
public record ProcessResult(Command command, int exitCode, String stdout, String stderr, Duration elapsed, boolean timedOut) {

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** The last {@code lines} lines of stderr (stdout when stderr is empty), trimmed. */
    public String errorTail(int lines) {
        String text = stderr.isBlank() ? stdout : stderr;
        return tail(text, lines);
    }

    /** Returns this result when the program succeeded; otherwise a Failed naming it, with its stderr. */
    public ProcessResult orThrow(Failure failure, String what) {
        if (ok()) return this;
        throw failure.with(failureMessage(what));
    }

    /** "WHAT failed (exit N): STDERR-TAIL", or "timed out after ..." for a timeout. */
    public String failureMessage(String what) {
        String how = timedOut
                ? "timed out after " + Durations.human(command.timeout())
                : "failed (exit " + exitCode + ")";
        String tail = errorTail(20);
        return what + " " + how + (tail.isEmpty() ? "" : ": " + tail);
    }

    public static String tail(String text, int lines) {
        List<String> all = text.strip().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())).strip();
    }
}
