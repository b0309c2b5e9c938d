package dev.bootc.pb.disk;

import java.io.PrintStream;
import java.time.Duration;

/** Hears what a long disk operation is doing: the step it starts, and the output of the tools it runs. */
public interface ProgressListener {

    /** A new step starts, like "Installing image to disk". */
    void phase(String phase);

    /** One line of output of the program that runs the current step. */
    default void output(String line) {
    }

    static ProgressListener none() {
        return phase -> { };
    }

    /**
     * Prints each step with the time elapsed since this listener was made, like
     * {@code [  12.3s] Converting to qcow2}, and, when {@code withOutput}, every tool output line.
     */
    static ProgressListener printingTo(PrintStream out, boolean withOutput) {
        long start = System.nanoTime();
        return new ProgressListener() {
            @Override
            public void phase(String phase) {
                out.printf("[%7s] %s%n", Durations.human(Duration.ofNanos(System.nanoTime() - start)), phase);
            }

            @Override
            public void output(String line) {
                if (withOutput) out.println("          " + line);
            }
        };
    }
}
