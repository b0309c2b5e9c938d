package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A host port forwarded to a guest port. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortForward {
    @Required
    @Min(1)
    @Max(65535)
    private Integer hostPort;

    @Required
    @Min(1)
    @Max(65535)
    private Integer guestPort;

    private Protocol protocol;

    @Pattern(Validation.IPV4_PATTERN)
    private String hostIP;

    public PortForward() {
    }

    public PortForward(int hostPort, int guestPort) {
        this.hostPort = hostPort;
        this.guestPort = guestPort;
    }

    public Integer getHostPort() { return hostPort; }
    public void setHostPort(Integer hostPort) { this.hostPort = hostPort; }
    public Integer getGuestPort() { return guestPort; }
    public void setGuestPort(Integer guestPort) { this.guestPort = guestPort; }
    public Protocol getProtocol() { return protocol; }
    public void setProtocol(Protocol protocol) { this.protocol = protocol; }
    public String getHostIP() { return hostIP; }
    public void setHostIP(String hostIP) { this.hostIP = hostIP; }
}
