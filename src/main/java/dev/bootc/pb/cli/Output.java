package dev.bootc.pb.cli;

import dev.bootc.pb.api.Json;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Formatting of results: tables, JSON, YAML, and podman's human durations. */
final class Output {
    private Output() {
    }

    static String json(Object value) {
        return Json.prettyJson(value);
    }

    static String yaml(Object value) {
        return Json.yaml(value);
    }

    /** podman's table writer (containers/common report.NewWriterDefault): Go's tabwriter, minwidth 12, padding 2. */
    static final int MIN_WIDTH = 12;
    static final int PADDING = 2;

    /**
     * Columns as podman and podman-bootc print them: each column as wide as its widest cell plus two
     * spaces, at least 12; the last column unpadded.
     */
    static String table(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] width = new int[header.size()];
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], r.get(i).length());
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> r : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(r.get(i));
                if (i < r.size() - 1) line.append(" ".repeat(Math.max(MIN_WIDTH, width[i] + PADDING) - r.get(i).length()));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String humanBytes(long b) {
        if (b < 1024) return b + "B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        do {
            v /= 1024;
            i++;
        } while (v >= 1024 && i < units.length - 1);
        return String.format(java.util.Locale.ROOT, "%.1f%s", v, units[i]);
    }

    static String abbreviateDigest(String d) {
        return d.length() > 19 ? d.substring(0, 19) : d;
    }

    /** "2 minutes ago", as podman prints creation times. */
    static String ago(String timestamp) {
        if (timestamp == null) return "unknown";
        Instant t;
        try {
            t = Instant.parse(timestamp);
        } catch (RuntimeException e) {
            return timestamp;
        }
        return humanDuration(Duration.between(t, Instant.now())) + " ago";
    }

    static String humanDuration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 1) return "Less than a second";
        if (s == 1) return "1 second";
        if (s < 60) return s + " seconds";
        long m = s / 60;
        if (m == 1) return "About a minute";
        if (m < 60) return m + " minutes";
        long h = Math.round(s / 3600.0);
        if (h == 1) return "About an hour";
        if (h < 48) return h + " hours";
        if (h < 24 * 7 * 2) return h / 24 + " days";
        if (h < 24 * 30 * 2) return h / 24 / 7 + " weeks";
        if (h < 24 * 365 * 2) return h / 24 / 30 + " months";
        return h / 24 / 365 + " years";
    }
}
