package dev.bootc.pb.cli;

import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.verbs.Updates;

import java.io.PrintWriter;

/** How {@code pb upgrade}, {@code pb switch} and {@code pb rollback} print what each VM's update did: one line a VM. */
final class UpdateReports {
    private UpdateReports() {
    }

    static void print(PrintWriter out, Updates.Report r) {
        String before = digest(r.before());
        String after = digest(r.after());
        out.println(switch (r.outcome()) {
            case UP_TO_DATE -> r.vm() + ": up to date, booted " + before + " (nothing staged, no reboot)";
            case AVAILABLE -> r.after() != null && !r.after().equals(r.before())
                    ? r.vm() + ": rollback available: booted " + before + ", rollback " + after + " (pb rollback " + r.vm() + " boots it)"
                    : r.vm() + ": update available: booted " + before + ", the image is " + r.hostDigest() + " (pb upgrade " + r.vm() + " applies it)";
            case UPDATED -> r.vm() + ": updated, booted " + before + " -> " + after + " (one reboot)";
            case ROLLED_BACK -> r.vm() + ": rolled back, booted " + before + " -> " + after + " (one reboot)";
        });
    }

    private static String digest(GuestImage g) {
        if (g == null) return "nothing";
        return g.getDigest() + (g.getVersion() == null ? "" : " (" + g.getVersion() + ")");
    }
}
