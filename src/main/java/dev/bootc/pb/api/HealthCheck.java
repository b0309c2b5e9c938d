package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;

/**
 * What makes a VM healthy after an in-place update: SSH answering in the new boot, and then this command, run as root
 * over SSH, exiting 0 within the timeout. Unset: {@link #DEFAULT_COMMAND}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HealthCheck {
    public static final int COMMAND_MAX = 4096;
    public static final int TIMEOUT_MAX = 3600;
    /** Default timeout of the command, in seconds. */
    public static final int DEFAULT_TIMEOUT = 300;
    /**
     * The default: systemd's own verdict once the boot has finished. {@code running} and {@code degraded} (some unit
     * failed, the system is up and reachable) pass; {@code maintenance} or {@code stopping} fail. A boot that never
     * finishes fails by the timeout.
     */
    public static final String DEFAULT_COMMAND = "s=$(systemctl is-system-running --wait 2>&1); case \"$s\" in running|degraded) exit 0;; esac;"
            + " echo \"systemctl is-system-running: $s\"; exit 1";

    @Size(min = 1, max = COMMAND_MAX)
    @JsonPropertyDescription("A shell command run as root in the guest after an in-place update's reboot; exit 0 is healthy."
            + " Default: systemctl is-system-running --wait says running or degraded.")
    private String command;

    @Min(1)
    @Max(TIMEOUT_MAX)
    @JsonPropertyDescription("Seconds the command may take (default 300).")
    private Integer timeoutSeconds;

    public HealthCheck() {
    }

    public HealthCheck(String command, Integer timeoutSeconds) {
        this.command = command;
        this.timeoutSeconds = timeoutSeconds;
    }

    public String getCommand() { return command; }
    public void setCommand(String command) { this.command = command; }
    public Integer getTimeoutSeconds() { return timeoutSeconds; }
    public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }

    /** The command that runs: the spec's, else the default. */
    public static String command(HealthCheck h) {
        return h == null || h.command == null ? DEFAULT_COMMAND : h.command;
    }

    public static int timeoutSeconds(HealthCheck h) {
        return h == null || h.timeoutSeconds == null ? DEFAULT_TIMEOUT : h.timeoutSeconds;
    }
}
