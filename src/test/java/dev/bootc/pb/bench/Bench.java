package dev.bootc.pb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Small helpers shared by the benchmark mains. */
final class Bench {
    private Bench() {
    }

    /** Warnings and errors only: the benchmark's figures go to stdout, nothing else should. */
    static void quietLogging() {
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (var h : root.getHandlers()) h.setLevel(Level.WARNING);
    }

    /** Counts the warnings a logger gives (by the class of their exception, or "-"), and keeps them off the console. */
    static final class WarningCounter extends java.util.logging.Handler {
        /** JUL holds loggers weakly: without this reference the handler goes with a collected logger. */
        private Logger logger;
        final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> byCause = new java.util.concurrent.ConcurrentSkipListMap<>();

        static WarningCounter on(String loggerName) {
            WarningCounter c = new WarningCounter();
            Logger l = Logger.getLogger(loggerName);
            l.setUseParentHandlers(false);
            l.addHandler(c);
            c.logger = l;
            return c;
        }

        @Override
        public void publish(java.util.logging.LogRecord r) {
            if (r.getLevel().intValue() < Level.WARNING.intValue()) return;
            String cause = r.getThrown() != null ? r.getThrown().getClass().getSimpleName() : "-";
            byCause.computeIfAbsent(cause, k -> {
                // the first of each kind goes to stderr (the bench's log), the rest are only counted
                String msg = r.getParameters() == null ? r.getMessage() : String.format(r.getMessage(), r.getParameters());
                System.err.println("first " + cause + " warning from " + r.getLoggerName() + ": " + msg);
                return new java.util.concurrent.atomic.AtomicLong();
            }).incrementAndGet();
        }

        long total() {
            return byCause.values().stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
        }

        /** "none", or "3 OverlappingFileLockException, 1 -". */
        String summary() {
            if (byCause.isEmpty()) return "none";
            StringBuilder b = new StringBuilder();
            byCause.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(v.get()).append('x').append(k));
            return b.toString();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** A field of /proc/self/status in KiB (VmHWM: peak resident set size; VmRSS: now). */
    static long procStatusKiB(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
