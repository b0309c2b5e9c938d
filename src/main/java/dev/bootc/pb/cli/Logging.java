package dev.bootc.pb.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/** Log levels for a CLI run: warnings by default, debug with --verbose. Logs always go to stderr. */
final class Logging {
    private Logging() {
    }

    static void configure(boolean verbose) {
        if (verbose) {
            Logger.getLogger("dev.bootc.pb").setLevel(Level.FINE);
            Logger.getLogger("").setLevel(Level.INFO);
        }
    }
}
