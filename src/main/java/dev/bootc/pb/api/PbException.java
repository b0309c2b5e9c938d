package dev.bootc.pb.api;

/**
 * A known failure that a person can act on. Its message is one line naming the thing and saying
 * what to do; its {@link Failure} gives the exit code, whether retrying can help, and the reason
 * written into a status condition.
 */
public class PbException extends RuntimeException {
    private final Failure failure;

    public PbException(Failure failure, String message) {
        super(message);
        this.failure = java.util.Objects.requireNonNull(failure, "failure");
    }

    public PbException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = java.util.Objects.requireNonNull(failure, "failure");
    }

    public Failure failure() {
        return failure;
    }

    public int exitCode() {
        return failure.exitCode();
    }

    public String reason() {
        return failure.reason();
    }

    public boolean terminal() {
        return failure.terminal();
    }

    /** A write lost a race or a name is taken (exit 4). */
    public boolean isConflict() {
        return failure.exitCode() == ExitCodes.CONFLICT;
    }

    public boolean isNotFound() {
        return failure.exitCode() == ExitCodes.NOT_FOUND;
    }
}
