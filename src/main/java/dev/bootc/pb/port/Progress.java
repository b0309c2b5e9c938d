package dev.bootc.pb.port;

/** Hears what a long operation is doing: the step it starts, and the output of the tools it runs. */
public interface Progress {

    /** A new step starts, like "Installing image to disk". */
    void phase(String phase);

    /** One line of output of the program that runs the current step. */
    default void output(String line) {
    }

    static Progress none() {
        return phase -> { };
    }
}
