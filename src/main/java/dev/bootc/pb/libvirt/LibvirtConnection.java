package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import org.jboss.logging.Logger;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.event.LifecycleListener;

/**
 * One libvirt connection shared by all callers (libvirt connections are thread-safe and libvirt-java
 * reads errors thread-locally): opened on first use, and reopened once when a call finds it dead
 * (libvirtd restarted), re-registering the lifecycle listener if one was registered. libvirt's event
 * loop runs only once events are wanted: a command that only looks does not pay for it. While events are
 * wanted (an operator), a dead connection is not left waiting for the next call: libvirt's close
 * callback starts a reconnect loop, so events flow again as soon as libvirtd is back, and
 * {@code onReconnect} says that some may have been missed meanwhile. Its failures are typed:
 * LibvirtUnavailable when libvirt cannot be reached, LibvirtError when it refuses.
 */
final class LibvirtConnection implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LibvirtConnection.class);
    private static final long RETRY_FIRST_MILLIS = 250;
    private static final long RETRY_MAX_MILLIS = 2000;

    private final String uri;
    private final LifecycleListener events;
    private final Runnable onReconnect;
    private final Object lock = new Object();
    private Connect conn; // guarded by lock
    private boolean listening; // the listener is registered on conn, guarded by lock
    private boolean wantEvents; // guarded by lock
    private boolean closed; // guarded by lock
    private Thread reconnecting; // the reconnect loop after libvirt closed conn, guarded by lock
    private boolean lost; // a connection died and its successor is not open yet, guarded by lock

    /** A call on the connection. */
    @FunctionalInterface
    interface Call<T> {
        T apply(Connect c) throws LibvirtException;
    }

    LibvirtConnection(String uri, LifecycleListener events) {
        this(uri, events, () -> { });
    }

    /** @param onReconnect runs (on the reconnecting thread) after the connection was reopened while events were wanted */
    LibvirtConnection(String uri, LifecycleListener events, Runnable onReconnect) {
        this.uri = uri;
        this.events = events;
        this.onReconnect = onReconnect;
    }

    String uri() {
        return uri;
    }

    /** Runs one call; when it fails on a dead connection, reopens it and tries once more. */
    <T> T call(String what, Call<T> body) {
        Connect c = connection();
        try {
            return body.apply(c);
        } catch (LibvirtException e) {
            if (alive(c)) throw failed(what, e);
            LOG.infof("libvirt connection to %s lost (%s), reconnecting", uri, message(e));
            Connect fresh = reconnect(c);
            try {
                return body.apply(fresh);
            } catch (LibvirtException again) {
                throw alive(fresh) ? failed(what, again) : unavailable(what, again);
            }
        }
    }

    /** Registers the lifecycle listener (again after each reconnect) until {@link #stopEvents()}. */
    void startEvents() {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("libvirt connection closed");
            // Events, keepalives and the close callback need libvirt's event loop registered before the
            // connection opens; a connection opened without it (pb list needs none) is opened again.
            if (conn != null && !LibvirtEventLoop.running()) closeConnection();
            wantEvents = true;
            try {
                ensureOpen();
            } catch (RuntimeException e) {
                wantEvents = false;
                throw e;
            }
            if (listening) return;
            try {
                conn.addLifecycleListener(events);
                listening = true;
            } catch (LibvirtException e) {
                wantEvents = false;
                throw failed("subscribe to domain events", e);
            }
        }
    }

    void stopEvents() {
        synchronized (lock) {
            wantEvents = false;
            if (!listening || conn == null) return;
            try {
                conn.removeLifecycleListener(events);
            } catch (LibvirtException e) {
                LOG.debugf("removing lifecycle listener: %s", e.getMessage());
            }
            listening = false;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            closeConnection();
        }
    }

    private Connect connection() {
        Connect c;
        boolean back;
        synchronized (lock) {
            back = ensureOpen();
            c = conn;
        }
        if (back) announceReconnect();
        return c;
    }

    /**
     * Opens the connection when none is open, subscribing again when events are wanted. Returns whether
     * this reopened a lost connection that had events wanted (whose listener must hear of the gap).
     * When opening fails, no connection is open and the next caller tries again.
     */
    private boolean ensureOpen() {
        if (closed) throw new IllegalStateException("libvirt connection closed");
        if (conn != null) return false;
        conn = open();
        if (wantEvents && !listening) {
            try {
                conn.addLifecycleListener(events);
                listening = true;
            } catch (LibvirtException e) {
                LOG.warnf("re-subscribing to domain events on %s: %s", uri, message(e));
            }
        }
        boolean back = lost && wantEvents;
        lost = false;
        return back;
    }

    /** Replaces a dead connection with a new one (unless another thread did already). */
    private Connect reconnect(Connect dead) {
        Connect fresh;
        boolean back;
        synchronized (lock) {
            if (closed) throw new IllegalStateException("libvirt connection closed");
            if (conn != null && conn != dead) return conn; // another thread reconnected already
            if (conn == dead) {
                closeConnection();
                lost = true;
            }
            back = ensureOpen();
            fresh = conn;
        }
        if (back) announceReconnect();
        return fresh;
    }

    private void announceReconnect() {
        LOG.infof("libvirt at %s is back: reconnected and subscribed to domain events again", uri);
        onReconnect.run(); // events of the gap are lost: whoever listens looks at everything again
    }

    /**
     * libvirt closed the connection by itself (libvirtd died or stopped answering keepalives). Runs on
     * libvirt's event-loop thread, so it only starts the reconnect loop; without wanted events the next
     * call reconnects.
     */
    private void onClosed(Connect dead, String reason) {
        synchronized (lock) {
            if (closed || !wantEvents || conn != dead || reconnecting != null) return;
            LOG.infof("libvirt at %s closed the connection (%s): reconnecting", uri, reason);
            Thread t = new Thread(() -> reconnectLoop(dead), "pb-libvirt-reconnect");
            t.setDaemon(true);
            reconnecting = t;
            t.start();
        }
    }

    /** Reopens the connection until libvirtd answers again (or events are no longer wanted). */
    private void reconnectLoop(Connect dead) {
        long wait = RETRY_FIRST_MILLIS;
        try {
            while (true) {
                synchronized (lock) {
                    if (closed || !wantEvents || conn != null && conn != dead) return; // stopped, or reconnected by a call
                }
                try {
                    reconnect(dead);
                    return;
                } catch (PbException e) {
                    LOG.debugf("reconnecting to %s: %s", uri, e.getMessage());
                }
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
                wait = Math.min(RETRY_MAX_MILLIS, wait * 2);
            }
        } finally {
            synchronized (lock) {
                reconnecting = null;
            }
        }
    }

    private Connect open() {
        try {
            if (wantEvents) LibvirtEventLoop.ensureRunning();
            else LibvirtEventLoop.silenceErrors();
            Connect c = new Connect(uri);
            try {
                c.setKeepAlive(5, 3); // notices a dead libvirtd within ~20 s
            } catch (LibvirtException e) {
                // drivers without RPC (test:///) have no keepalive
            }
            try {
                c.registerCloseListener((closedConn, reason) -> onClosed(c, String.valueOf(reason)));
            } catch (LibvirtException e) {
                // drivers without RPC (test:///) never close by themselves
            }
            return c;
        } catch (LibvirtException e) {
            throw Failure.LibvirtUnavailable.with("connect to " + uri + ": " + message(e)
                    + (uri.startsWith("qemu:") ? " (is libvirtd running? pb doctor --fix starts it)" : ""), e);
        } catch (LinkageError e) {
            // libvirt's client library (libvirt.so.0) is not installed: JNA cannot bind it, then the class stays unusable
            throw Failure.LibvirtUnavailable.with("libvirt's client library (libvirt.so.0) is not installed: run pb doctor --fix", e);
        }
    }

    /** Whether libvirt's client library can be loaded in this process. */
    static boolean libraryPresent() {
        try {
            return org.libvirt.jna.Libvirt.INSTANCE != null;
        } catch (LinkageError e) {
            return false;
        }
    }

    private void closeConnection() {
        if (conn == null) return;
        try {
            conn.unregisterCloseListener();
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("removing close listener: %s", e.getMessage());
        }
        try {
            if (listening) conn.removeLifecycleListener(events);
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("removing lifecycle listener: %s", e.getMessage());
        }
        listening = false;
        try {
            conn.close();
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("closing libvirt connection: %s", e.getMessage());
        }
        conn = null;
    }

    private static boolean alive(Connect c) {
        try {
            return c.isAlive();
        } catch (LibvirtException | RuntimeException e) {
            return false;
        }
    }

    private PbException unavailable(String what, LibvirtException e) {
        return Failure.LibvirtUnavailable.with(what + ": " + message(e) + " (libvirt at " + uri + " went away)", e);
    }

    PbException failed(String what, LibvirtException e) {
        if (code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN) {
            return Failure.DomainNotFound.with(what + ": no such domain in " + uri);
        }
        String m = message(e);
        if (m.contains("Unable to find") && m.contains("firmware")) {
            // libvirt found no QEMU firmware descriptor with the features asked for (uefi-secure on a host without enrolled keys, say)
            return Failure.FirmwareMissing.with(what + ": " + m + ": install the UEFI firmware package with pb doctor --fix"
                    + " (ovmf on Debian, edk2-ovmf on Fedora), or choose another --firmware", e);
        }
        return Failure.LibvirtError.with(what + ": " + m, e);
    }

    static ErrorNumber code(LibvirtException e) {
        return e.getError() == null ? null : e.getError().getCode();
    }

    static String message(LibvirtException e) {
        String m = e.getError() == null ? null : e.getError().getMessage();
        return m == null ? String.valueOf(e.getMessage()) : m;
    }
}
