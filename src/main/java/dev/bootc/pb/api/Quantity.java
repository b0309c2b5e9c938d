package dev.bootc.pb.api;

import java.util.Locale;
import java.util.regex.Matcher;

/** Sizes as pb accepts them: a whole number with a binary or decimal unit (Mi, Gi, Ti, M, G, T). */
public final class Quantity {
    private static final java.util.regex.Pattern FORM = java.util.regex.Pattern.compile("^([0-9]+)(Ki|Mi|Gi|Ti|K|k|M|G|T)?$");

    private Quantity() {
    }

    /** Bytes of a quantity string, or -1 when it is not a quantity. */
    public static long bytes(String q) {
        if (q == null) return -1;
        Matcher m = FORM.matcher(q.trim());
        if (!m.matches()) return -1;
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
        String unit = m.group(2) == null ? "" : m.group(2);
        long mult = switch (unit) {
            case "" -> 1L;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "K", "k" -> 1000L;
            case "M" -> 1000_000L;
            case "G" -> 1000_000_000L;
            case "T" -> 1000_000_000_000L;
            default -> -1;
        };
        if (n > Long.MAX_VALUE / mult) return -1;
        return n * mult;
    }

    public static long mebibytes(String q) {
        long b = bytes(q);
        return b < 0 ? -1 : b / (1L << 20);
    }

    /**
     * Normalizes what a user types on the command line: a bare number is MiB (podman-bootc's unit for
     * memory), "4G" / "4g" is read as 4Gi like podman does. Returns null when it cannot be read.
     */
    public static String fromCliMemory(String text) {
        String t = text.strip(); // whitespace only: a control character stays, to be named in the error

        if (t.matches("[0-9]+")) return t + "Mi";
        Matcher m = java.util.regex.Pattern.compile("^([0-9]+)([kKmMgGtT])([iI]?[bB]?)?$").matcher(t);
        if (m.matches()) {
            return m.group(1) + m.group(2).toUpperCase(Locale.ROOT).replace("K", "Ki").replace("M", "Mi")
                    .replace("G", "Gi").replace("T", "Ti");
        }
        return t;
    }

    /** Disk sizes typed on the command line: "20G", "20GiB", "20Gi" all mean 20Gi; a bare number is GiB. */
    public static String fromCliDisk(String text) {
        String t = text.strip();
        if (t.matches("[0-9]+")) return t + "Gi";
        return fromCliMemory(t);
    }
}
