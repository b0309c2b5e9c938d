package dev.bootc.pb.cli;

import dev.bootc.pb.port.Progress;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What a person sees while pb works, on stderr. On a terminal: one live line per step, redrawn ten
 * times a second with a spinner, the step's elapsed time and its latest detail (a line of podman's
 * pull progress, of the disk build, of the serial console while the guest boots); a finished step
 * stays as one line with a check mark and its time. Elsewhere (a pipe, a file, TERM=dumb): a
 * timestamped line per step, and the tools' own output lines indented under it. Quiet: nothing.
 */
final class ProgressLine implements Consumer<String>, Progress, AutoCloseable {
    static final String[] SPINNER = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    static final long TICK_MILLIS = 100;

    private final PrintWriter err;
    private final Terminal term;
    private final boolean quiet;
    private final LongSupplier nanos;
    private final long start;
    private String step;
    private long stepStart;
    private String detail;
    private int frame;
    private boolean drawn;
    private Thread ticker;

    ProgressLine(PrintWriter err, Terminal term, boolean quiet) {
        this(err, term, quiet, System::nanoTime);
    }

    ProgressLine(PrintWriter err, Terminal term, boolean quiet, LongSupplier nanos) {
        this.err = err;
        this.term = term;
        this.quiet = quiet;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
    }

    /** A step starts (the same step again is ignored). */
    @Override
    public synchronized void accept(String line) {
        if (quiet || line == null || line.equals(step)) return;
        if (term.tty()) {
            finishStep();
            step = line;
            stepStart = nanos.getAsLong();
            detail = null;
            draw();
            startTicker();
        } else {
            step = line;
            plain(line);
        }
    }

    @Override
    public void phase(String phase) {
        accept(phase);
    }

    /** A line of the running tool's output: the live line's detail, or an indented plain line. */
    @Override
    public synchronized void output(String line) {
        if (quiet || line == null || line.isBlank()) return;
        if (term.tty()) {
            detail = line.strip();
            draw();
        } else {
            plain("  " + line.strip());
        }
    }

    /** A line the guest's serial console printed: only the live line shows it (a log would drown in them). */
    synchronized void serial(String line) {
        if (quiet || !term.tty() || line == null || line.isBlank()) return;
        detail = line.strip();
        draw();
    }

    /** Ends the live line (with the last step marked done), so that other output starts on a line of its own. */
    synchronized void finish() {
        if (term.tty()) finishStep();
        step = null;
    }

    /** Ends the live line with the last step marked failed. */
    synchronized void fail() {
        if (term.tty() && step != null) {
            clearLine();
            err.print(term.red("✗") + " " + step + " " + term.dim(seconds(nanos.getAsLong() - stepStart)) + "\n");
            err.flush();
            drawn = false;
        }
        step = null;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            finish();
            t = ticker;
            ticker = null;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void plain(String line) {
        err.println(String.format(Locale.ROOT, "[%6.1fs] %s", (nanos.getAsLong() - start) / 1e9, line));
        err.flush();
    }

    private void finishStep() {
        if (step == null) return;
        clearLine();
        err.print(term.green("✓") + " " + step + " " + term.dim(seconds(nanos.getAsLong() - stepStart)) + "\n");
        err.flush();
        drawn = false;
        step = null;
    }

    /** Redraws the live line: spinner, step, elapsed, detail; cut to the terminal's width. */
    synchronized void draw() {
        if (step == null) return;
        String time = seconds(nanos.getAsLong() - stepStart);
        String head = SPINNER[frame % SPINNER.length] + " " + step + " " + time;
        int room = term.columns() - 1 - head.length() - 3;
        String d = detail == null || room < 8 ? "" : cut(detail, room);
        String line = term.cyan(SPINNER[frame % SPINNER.length]) + " " + step + " " + term.dim(time) + (d.isEmpty() ? "" : "  " + term.dim(d));
        if (d.isEmpty() && head.length() >= term.columns()) line = cut(head, term.columns() - 1);
        clearLine();
        err.print(line);
        err.flush();
        drawn = true;
    }

    private void clearLine() {
        if (drawn) err.print("\r\u001b[2K");
    }

    private synchronized void tick() {
        frame++;
        draw();
    }

    private void startTicker() {
        if (ticker != null) return;
        ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(TICK_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                tick();
            }
        }, "pb-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1fs", Duration.ofNanos(nanos).toMillis() / 1000.0);
    }

    static String cut(String s, int max) {
        if (s.length() <= max) return s;
        return s.substring(0, Math.max(0, max - 1)) + "…";
    }
}
