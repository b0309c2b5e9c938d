package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.Failure;

import java.io.IOException;

/**
 * The serial console of a domain on the caller's terminal, through {@code virsh console}: the domain's
 * {@code <console type='pty'>} (on serial port 0, the port its log comes from) is reached through
 * libvirtd's stream, whichever pty QEMU got, and {@code Ctrl-]} leaves, as every libvirt user knows.
 * {@code --force} takes the console over from a session left open elsewhere.
 */
final class VirshConsole {
    private VirshConsole() {
    }

    static void attach(String uri, String domain) {
        ProcessBuilder pb = new ProcessBuilder("virsh", "-c", uri, "console", "--force", domain).inheritIO();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw Failure.ConsoleFailed.with("cannot run virsh (install libvirt-clients, or run pb doctor --fix): " + e.getMessage(), e);
        }
        try {
            int code = p.waitFor();
            if (code != 0) {
                throw Failure.ConsoleFailed.with("virsh console " + domain + " failed (exit " + code + "): it needs a terminal, and the domain running");
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("console of " + domain + " interrupted");
        }
    }
}
