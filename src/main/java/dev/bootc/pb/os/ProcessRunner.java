package dev.bootc.pb.os;

/**
 * Runs external programs (podman, qemu-img, ...) from an argument list, never through a shell.
 * One small interface so tests can fake or record what would run.
 */
@FunctionalInterface
public interface ProcessRunner {

    /**
     * Runs the command to its end or its timeout. A non-zero exit is a normal result, not an
     * exception; a program that is not installed is a {@link dev.bootc.pb.api.PbException} of {@link dev.bootc.pb.api.Failure#ProgramMissing}
     * naming the program and the package that provides it.
     */
    ProcessResult run(Command command);

    /** The runner that starts real processes on this host. */
    static ProcessRunner local() {
        return LocalProcessRunner.INSTANCE;
    }
}
