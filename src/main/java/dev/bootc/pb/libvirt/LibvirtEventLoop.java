package dev.bootc.pb.libvirt;

import org.jboss.logging.Logger;
import org.libvirt.Connect;
import org.libvirt.Library;
import org.libvirt.jna.Libvirt;
import org.libvirt.LibvirtException;

/**
 * Process-wide libvirt set-up, done once: libvirt's default event loop, run by one daemon thread once
 * something wants events (it must be registered before a connection is opened for that connection to
 * deliver events, keepalives and its close callback), and a silent error handler (libvirt's default one prints every error to stderr,
 * including the expected "Domain not found"; pb reports errors itself).
 */
final class LibvirtEventLoop {
    private static final Logger LOG = Logger.getLogger(LibvirtEventLoop.class);
    private static boolean started;
    private static boolean silenced;
    private static volatile boolean stopping;
    /** Held for good: libvirt keeps a pointer to it. */
    private static final Libvirt.VirErrorCallback SILENT = (userData, error) -> { };

    private LibvirtEventLoop() {
    }

    /** Before any connection: libvirt's errors are pb's to report, not printed by libvirt on stderr. */
    static synchronized void silenceErrors() throws LibvirtException {
        if (silenced) return;
        Connect.setErrorCallback(SILENT);
        silenced = true;
    }

    static synchronized boolean running() {
        return started;
    }

    static synchronized void ensureRunning() throws LibvirtException {
        if (started) return;
        silenceErrors();
        Library.initEventLoop();
        Thread thread = new Thread(LibvirtEventLoop::run, "libvirt-event-loop");
        thread.setDaemon(true);
        thread.start();
        started = true;
        // A thread blocked in native code makes the JVM's exit wait 300 ms for it: wake the loop and let it end.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(thread), "libvirt-event-loop-stop"));
    }

    private static void stop(Thread loop) {
        stopping = true;
        try {
            Library.stopEventLoop();
            loop.join(250);
        } catch (LibvirtException | RuntimeException e) {
            // exiting anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run() {
        while (!stopping) {
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
