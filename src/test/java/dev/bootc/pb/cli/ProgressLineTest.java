package dev.bootc.pb.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The live line's states on a clock of the test's own: steps done, a step failed, quiet, a narrow terminal. */
class ProgressLineTest {
    final AtomicLong now = new AtomicLong();
    final StringWriter text = new StringWriter();

    ProgressLine line(Terminal t, boolean quiet) {
        return new ProgressLine(new PrintWriter(text), t, quiet, now::get);
    }

    @Test
    void aFinishedStepIsCheckedAFailedOneCrossedInRed() {
        ProgressLine p = line(new Terminal(true, true, 80), false);
        p.accept("Pulling image x");
        now.addAndGet(2_500_000_000L);
        p.output("Copying blob 123 done");
        p.accept("Building disk");
        now.addAndGet(1_000_000_000L);
        p.fail();
        p.close();
        String s = text.toString();
        assertTrue(s.contains("\u001b[32m✓\u001b[0m Pulling image x \u001b[2m2.5s\u001b[0m\n"), s);
        assertTrue(s.contains("Copying blob 123 done"), s);
        assertTrue(s.contains("\u001b[31m✗\u001b[0m Building disk \u001b[2m1.0s\u001b[0m\n"), s);
        assertFalse(s.contains("✓ Building disk") || s.contains("✓\u001b[0m Building disk"), "a failed step is not shown done");
    }

    @Test
    void aLongDetailIsCutToTheTerminalsWidth() {
        ProgressLine p = line(new Terminal(true, false, 40), false);
        p.accept("Waiting for SSH");
        p.serial("x".repeat(200));
        String last = text.toString().substring(text.toString().lastIndexOf("\u001b[2K") + 4);
        assertTrue(last.length() <= 39, last.length() + ": " + last);
        assertTrue(last.endsWith("…"), last);
        p.close();
    }

    @Test
    void quietSaysNothingAndPlainIgnoresConsoleLines() {
        ProgressLine q = line(new Terminal(true, true, 80), true);
        q.accept("Pulling");
        q.output("x");
        q.close();
        assertEquals("", text.toString());
        ProgressLine plain = line(Terminal.PLAIN, false);
        plain.accept("Waiting for SSH");
        plain.serial("Welcome to Debian");
        plain.accept("Waiting for SSH");
        plain.close();
        assertEquals("[   0.0s] Waiting for SSH\n", text.toString());
    }
}
