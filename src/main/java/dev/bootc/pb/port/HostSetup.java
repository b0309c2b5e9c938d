package dev.bootc.pb.port;

import java.util.List;
import java.util.function.Consumer;

/** The port to this host's own set-up: what it needs to run VMs (programs, firmware, daemons), and installing it. */
public interface HostSetup {

    List<Check> checks();

    /** Installs what is missing and starts what must run, saying each step; then checks again. */
    List<Check> fix(Consumer<String> progress);

    /** One check: what, whether it holds, whether pb needs it, a detail, and the fix to print. */
    record Check(String name, boolean ok, boolean required, String detail, String fix) {
    }
}
