package dev.bootc.pb.cli;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessResult;
import dev.bootc.pb.os.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The man pages the build writes: one per command, valid man(7) that groff renders without a warning. */
class ManPagesTest {
    @TempDir
    Path dir;

    @Test
    void everyCommandHasAPageThatGroffRendersWithoutWarnings() throws Exception {
        ManPages.main(new String[] {dir.toString()});
        Map<String, String> pages = ManPages.pages();
        for (String name : List.of("pb", "pb-run", "pb-ssh", "pb-list", "pb-rm", "pb-logs", "pb-console", "pb-inspect", "pb-images",
                "pb-completion", "pb-cache", "pb-cache-list", "pb-cache-prune")) {
            assertTrue(Files.isRegularFile(dir.resolve(name + ".1")), name + ".1 in " + pages.keySet());
        }
        assertTrue(!pages.containsKey("pb-remove") && !pages.containsKey("pb-ls"), "aliases share their command's page");
        for (String name : pages.keySet()) {
            ProcessResult warn = ProcessRunner.local().run(Command.of("groff", "-man", "-Tutf8", "-ww", "-z", dir.resolve(name + ".1").toString()));
            assertEquals(0, warn.exitCode(), name + ": " + warn.stderr());
            assertEquals("", warn.stderr(), name + " has groff warnings");
        }
        String run = render(dir.resolve("pb-run.1"));
        for (String s : List.of("PB-RUN(1)", "NAME", "pb-run - Run a bootable container image", "SYNOPSIS", "OPTIONS", "--cloudinit=DIR",
                "--filesystem=xfs|ext4|btrfs", "-B, --background", "IMAGE", "3    not found", "SEE ALSO", "pb(1)")) {
            assertTrue(run.contains(s), s + " in\n" + run);
        }
        String top = render(dir.resolve("pb.1"));
        assertTrue(top.contains("pb-run(1)") && top.contains("pb-logs(1)"), "pb(1) points at every command's page:\n" + top);
        assertTrue(top.contains("rm, remove"), top);
    }

    @Test
    void inlineMarkupBecomesFontsAndRoffIsEscaped() {
        assertEquals("\\fB\\-\\-name\\fR=\\fINAME\\fR", ManPages.inline("*--name*=_NAME_"));
        assertEquals("PB_STORE_DIR and $XDG_DATA_HOME stay as they are", ManPages.inline("PB_STORE_DIR and $XDG_DATA_HOME stay as they are"));
        assertEquals("\\&.leading dot", ManPages.inline(".leading dot"));
        assertEquals("back\\eslash", ManPages.inline("back\\slash"));
        assertEquals("\\fBrun\\fR", ManPages.inline("xref:pb-run.adoc[*run*]"));
    }

    private static String render(Path page) {
        ProcessResult r = ProcessRunner.local().run(Command.of("man", "-l", page.toString()).env("MANWIDTH", "120").env("MAN_KEEP_FORMATTING", "")
                .env("PAGER", "cat")).orThrow(Failure.Failed, "man -l");
        return r.stdout().replaceAll(".\b", "").replace('‐', '-');
    }
}
