package dev.bootc.pb.api;

/** Transport protocol of a port forward. Constant names are the wire values. */
public enum Protocol {
    tcp, udp
}
