package dev.bootc.pb.cli;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logs of a CLI run, through the JDK's own logging (no log manager to start): one line each on
 * stderr; pb's own at INFO and everything else at WARNING by default, pb's debug with --verbose.
 */
public final class Logging {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static boolean configured;

    private Logging() {
    }

    /** Before any logger is made: jboss-logging (used by pb and its libraries) goes to the JDK's logging. */
    public static void useJdkLogging() {
        System.setProperty("org.jboss.logging.provider", "jdk");
    }

    static synchronized void configure(boolean verbose) {
        Logger root = Logger.getLogger("");
        if (!configured) {
            // Under quarkus-run.jar (--store kube) the log manager is JBoss's, whose root handler holds every
            // record until Quarkus configures logging, which a command never starts: ours is added beside it.
            if (isPlainJdkLogging()) for (Handler h : root.getHandlers()) root.removeHandler(h);
            ConsoleHandler console = new ConsoleHandler();
            console.setLevel(Level.ALL);
            console.setFormatter(new OneLine());
            root.addHandler(console);
            root.setLevel(Level.WARNING);
            Logger.getLogger("dev.bootc.pb").setLevel(Level.INFO);
            // the Kubernetes client warns on every command that v1alpha1 is not a stable version: pb knows
            Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils").setLevel(Level.SEVERE);
            configured = true;
        }
        if (verbose) {
            Logger.getLogger("dev.bootc.pb").setLevel(Level.FINE);
            root.setLevel(Level.INFO);
        }
    }

    private static boolean isPlainJdkLogging() {
        return java.util.logging.LogManager.getLogManager().getClass() == java.util.logging.LogManager.class;
    }

    /** {@code 12:00:01 WARN  [d.b.p.FileVmStore] message}. */
    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            int v = r.getLevel().intValue(); // by value: JBoss's levels (WARN, ERROR) have names of their own
            String level = v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARN " : v >= Level.INFO.intValue() ? "INFO " : "DEBUG";
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            String msg = formatMessage(r) + (r.getThrown() == null ? "" : ": " + r.getThrown());
            return LocalTime.now().format(TIME) + " " + level + " [" + abbreviate(name) + "] " + msg + System.lineSeparator();
        }

        private static String abbreviate(String logger) {
            String[] parts = logger.split("\\.");
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) if (!parts[i].isEmpty()) sb.append(parts[i].charAt(0)).append('.');
            return sb.append(parts[parts.length - 1]).toString();
        }
    }
}
