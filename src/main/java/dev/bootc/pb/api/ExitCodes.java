package dev.bootc.pb.api;

/** The one exit-code table of every pb command. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int INVALID = 2;
    public static final int NOT_FOUND = 3;
    public static final int CONFLICT = 4;
    /** pb ssh: SSH itself failed (the remote command's own status is passed through otherwise). */
    public static final int SSH_FAILED = 255;

    public static final String TABLE = """
            Exit codes:
              0    ok
              1    failure
              2    invalid input or usage
              3    not found
              4    conflict
              255  pb ssh: SSH itself failed (otherwise the remote command's status)""";

    private ExitCodes() {
    }
}
