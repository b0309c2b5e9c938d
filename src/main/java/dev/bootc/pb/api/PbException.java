package dev.bootc.pb.api;

/**
 * A known failure that a person can act on. Its message is one line naming the thing and saying
 * what to do; its exit code comes from the one table in {@link ExitCodes}; its reason is the
 * CamelCase word written into a status condition.
 */
public class PbException extends RuntimeException {
    private final int exitCode;
    private final String reason;

    public PbException(int exitCode, String reason, String message) {
        super(message);
        this.exitCode = exitCode;
        this.reason = reason;
    }

    public PbException(int exitCode, String reason, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.reason = reason;
    }

    public int exitCode() {
        return exitCode;
    }

    public String reason() {
        return reason;
    }

    /** Something named does not exist (exit 3). */
    public static class NotFound extends PbException {
        public NotFound(String reason, String message) {
            super(ExitCodes.NOT_FOUND, reason, message);
        }

        public NotFound(String message) {
            this("NotFound", message);
        }
    }

    /** A write lost a race, or a name is taken (exit 4). */
    public static class Conflict extends PbException {
        public Conflict(String reason, String message) {
            super(ExitCodes.CONFLICT, reason, message);
        }

        public Conflict(String message) {
            this("Conflict", message);
        }
    }

    /** Bad input (exit 2). */
    public static class Invalid extends PbException {
        public Invalid(String reason, String message) {
            super(ExitCodes.INVALID, reason, message);
        }
    }

    /** Anything else that failed for a reason we know (exit 1). */
    public static class Failed extends PbException {
        public Failed(String reason, String message) {
            super(ExitCodes.FAILURE, reason, message);
        }

        public Failed(String reason, String message, Throwable cause) {
            super(ExitCodes.FAILURE, reason, message, cause);
        }
    }
}
