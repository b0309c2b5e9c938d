import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Prints the coverage table of the test command from JaCoCo's CSV report: lines and branches covered per package
 * of pb, the core packages (the reconcile core and its adapters) marked, and the total. A missing report (tests
 * skipped) prints one line and is no error.
 */
public class CoverageTable {
    /** The core of issue 25: at or above 80% of lines. */
    static final Set<String> CORE = Set.of("api", "reconcile", "driver", "store", "verbs", "disk", "ssh", "libvirt");
    static final double TARGET = 80.0;

    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args[0]);
        if (!Files.exists(csv)) {
            System.out.println("coverage: no report at " + csv + " (no tests ran)");
            return;
        }
        // GROUP,PACKAGE,CLASS,INSTRUCTION_MISSED,INSTRUCTION_COVERED,BRANCH_MISSED,BRANCH_COVERED,LINE_MISSED,LINE_COVERED,...
        Map<String, long[]> byPackage = new TreeMap<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            String pkg = f[1].replace("dev.bootc.pb", "").replaceFirst("^\\.", "");
            if (pkg.isEmpty()) pkg = "(pb)";
            long[] n = byPackage.computeIfAbsent(pkg, k -> new long[4]);
            n[0] += Long.parseLong(f[8]);
            n[1] += Long.parseLong(f[7]) + Long.parseLong(f[8]);
            n[2] += Long.parseLong(f[6]);
            n[3] += Long.parseLong(f[5]) + Long.parseLong(f[6]);
        }
        long[] total = new long[4];
        System.out.println();
        System.out.println("Coverage of the test command (unit, Quarkus and end-to-end tests, and the ./pb processes they start)");
        System.out.printf("%-22s %8s %8s %9s  %s%n", "package (dev.bootc.pb)", "lines", "branches", "of lines", "");
        for (var e : byPackage.entrySet()) {
            long[] n = e.getValue();
            for (int i = 0; i < 4; i++) total[i] += n[i];
            String top = e.getKey().contains(".") ? e.getKey().substring(0, e.getKey().indexOf('.')) : e.getKey();
            double lines_ = pct(n[0], n[1]);
            String mark = CORE.contains(top) ? (lines_ >= TARGET ? "core" : "core, under " + (int) TARGET + "%") : "";
            System.out.printf("%-22s %7.1f%% %7.1f%% %9d  %s%n", e.getKey(), lines_, pct(n[2], n[3]), n[1], mark);
        }
        System.out.printf("%-22s %7.1f%% %7.1f%% %9d%n", "total", pct(total[0], total[1]), pct(total[2], total[3]), total[1]);
        System.out.println();
    }

    static double pct(long covered, long all) {
        return all == 0 ? 100.0 : 100.0 * covered / all;
    }
}
