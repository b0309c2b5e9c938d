package dev.bootc.pb.libvirt;

import org.jboss.logging.Logger;
import org.libvirt.Connect;
import org.libvirt.Library;
import org.libvirt.jna.Libvirt;
import org.libvirt.LibvirtException;

/**
 * Process-wide libvirt set-up, done once: libvirt's default event loop, run by one daemon thread
 * (it must be registered before a connection is opened for that connection to deliver events and
 * keepalives), and a silent error handler (libvirt's default one prints every error to stderr,
 * including the expected "Domain not found"; pb reports errors itself).
 */
final class LibvirtEventLoop {
    private static final Logger LOG = Logger.getLogger(LibvirtEventLoop.class);
    private static boolean started;
    /** Held for good: libvirt keeps a pointer to it. */
    private static final Libvirt.VirErrorCallback SILENT = (userData, error) -> { };

    private LibvirtEventLoop() {
    }

    static synchronized void ensureRunning() throws LibvirtException {
        if (started) return;
        Connect.setErrorCallback(SILENT);
        Library.initEventLoop();
        Thread thread = new Thread(LibvirtEventLoop::run, "libvirt-event-loop");
        thread.setDaemon(true);
        thread.start();
        started = true;
    }

    private static void run() {
        while (true) {
            try {
                Library.runEventLoop();
            } catch (InterruptedException e) {
                return;
            } catch (LibvirtException | RuntimeException e) {
                // one bad event must not end event delivery for the whole process
                LOG.warnf("libvirt event loop: %s", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
