package dev.bootc.pb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.bootc.pb.boot.Config;

/**
 * What pb's stderr is: a terminal (then progress is one live line) or not (plain timestamped lines),
 * whether it may have colours (a terminal, and no NO_COLOR, as no-color.org asks), and how wide it is.
 *
 * @param tty     stderr is a terminal that can redraw a line (not TERM=dumb)
 * @param colour  colours are wanted
 * @param columns width for the live line
 */
record Terminal(boolean tty, boolean colour, int columns) {
    static final Terminal PLAIN = new Terminal(false, false, 80);

    /** This process's stderr, and what its environment says. */
    static Terminal detect(Config.Display env) {
        boolean tty = stderrIsTerminal() && !"dumb".equals(env.term());
        String noColor = env.noColor();
        boolean colour = tty && (noColor == null || noColor.isEmpty());
        int columns = 80;
        try {
            String c = env.columns();
            if (c != null) columns = Math.max(20, Integer.parseInt(c.trim()));
        } catch (NumberFormatException e) {
            // keep 80
        }
        return new Terminal(tty, colour, columns);
    }

    /** Linux: file descriptor 2 links to a pseudo-terminal or a console. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    String green(String s) {
        return paint("32", s);
    }

    String red(String s) {
        return paint("31", s);
    }

    String cyan(String s) {
        return paint("36", s);
    }

    String dim(String s) {
        return paint("2", s);
    }

    private String paint(String code, String s) {
        return colour ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
    }
}
