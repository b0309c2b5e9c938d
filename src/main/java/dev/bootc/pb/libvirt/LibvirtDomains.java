package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.os.FileModes;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.PbMetadata;
import dev.bootc.pb.api.NetworkMode;
import org.jboss.logging.Logger;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEventType;
import org.libvirt.event.LifecycleListener;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * {@link Domains} on libvirt through libvirt-java, over one {@link LibvirtConnection}. Lifecycle events
 * come from libvirt's event loop and are handed to listeners on a dispatcher thread, so a listener may
 * call back into this class.
 */
public final class LibvirtDomains implements Domains {
    private static final Logger LOG = Logger.getLogger(LibvirtDomains.class);
    /** VIR_DOMAIN_UNDEFINE_NVRAM: libvirt-java 0.5.4's UndefineFlags lacks it. */
    static final int UNDEFINE_NVRAM = 4;
    /** VIR_DOMAIN_UNDEFINE_TPM: the swtpm state goes with the domain. */
    static final int UNDEFINE_TPM = 32;
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration ACPI_RESEND = Duration.ofSeconds(5);

    /** libvirt shares folders with virtiofs on qemu:///session since 10.0.0 (libvirt issue 535). */
    static final long SESSION_VIRTIOFS_SINCE = 10_000_000;
    private final HostFacts baseFacts;
    private HostFacts facts;
    private final String uri;
    private final LibvirtConnection connection;
    private final LibvirtNetworks networks;
    private final List<Consumer<DomainEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Owners of domains seen lately: an UNDEFINED event can no longer be looked up. */
    private final Map<String, PbMetadata> knownOwners = new ConcurrentHashMap<>();
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pb-domain-events");
        t.setDaemon(true);
        return t;
    });

    /** Domains at {@code uri}, made with this accelerator, for this architecture; the connection opens on first use. */
    public LibvirtDomains(String uri, Accel accel, HostArch arch, Optional<Path> virtiofsd) {
        this.baseFacts = new HostFacts(uri, accel, arch, virtiofsd);
        this.uri = uri;
        this.connection = new LibvirtConnection(uri, this::onLifecycle, this::onReconnected);
        this.networks = new LibvirtNetworks(connection);
    }

    @Override
    public synchronized HostFacts facts() {
        if (facts == null) {
            Optional<String> refused = Optional.empty();
            if (baseFacts.uri().contains("/session")) {
                long v = connection.call("read libvirt's version", c -> c.getLibVirVersion());
                if (v < SESSION_VIRTIOFS_SINCE) {
                    refused = Optional.of("volumes (-v) on qemu:///session need libvirt 10.0 or newer (this host has " + v / 1_000_000 + "."
                            + v / 1000 % 1000 + "." + v % 1000 + "): leave out -v, or run pb as root");
                }
            }
            facts = new HostFacts(baseFacts.uri(), baseFacts.accel(), baseFacts.arch(), baseFacts.virtiofsd(), refused);
        }
        return facts;
    }

    @Override
    public Memory memory() {
        return connection.call("read the host's memory", c -> new Memory(c.getFreeMemory(), c.nodeInfo().memory * 1024L));
    }

    @Override
    public void define(DomainSpec spec) {
        createParent(spec.nvramPath(), true); // libvirt makes the NVRAM file (0600, QEMU's user) in a folder QEMU passes through
        createParent(spec.serialLogPath(), false); // virtlogd writes the serial log as libvirtd's user, 0600
        if (spec.virtiofsdReadOnly() != null) ReadOnlyVirtiofsd.ensure(spec.virtiofsdReadOnly(), spec.virtiofsd());
        if (spec.metadata() != null) knownOwners.put(spec.name(), spec.metadata()); // an UNDEFINED event can no longer look it up
        connection.call("define domain " + spec.name(), c -> {
            org.libvirt.Domain existing = lookup(c, spec.name());
            String uuid = existing == null ? null : existing.getUUIDString();
            return c.domainDefineXML(DomainXml.write(spec, uuid));
        });
    }

    @Override
    public void attachShare(String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd) {
        LiveShares.attach(connection, name, folder, virtiofsd, readOnlyVirtiofsd);
    }

    @Override
    public void detachShare(String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd) {
        LiveShares.detach(connection, name, folder, virtiofsd, readOnlyVirtiofsd);
    }

    @Override
    public String serialLogTail(Path log, int maxBytes) {
        return SerialLogs.tail(log, maxBytes);
    }

    @Override
    public Optional<java.time.Instant> serialLogWritten(Path log) {
        return SerialLogs.written(log);
    }

    @Override
    public void resetSerialLog(Path log) {
        SerialLogs.reset(log);
    }

    @Override
    public Optional<SerialChunk> readSerialLog(Path log, SerialPosition from, int maxBytes) {
        return SerialLogs.read(log, from, maxBytes);
    }

    @Override
    public void attachConsole(String name) {
        Domain d = find(name).orElseThrow(() -> Failure.VmNotRunning.with("domain " + name + " is not defined: pb start"));
        if (!d.running()) throw Failure.VmNotRunning.with("domain " + name + " is not running: pb start");
        VirshConsole.attach(uri, name);
    }

    @Override
    public void start(String name) {
        connection.call("start domain " + name, c -> {
            org.libvirt.Domain d = require(c, name);
            if (d.isActive() == 0) d.create();
            return null;
        });
    }

    @Override
    public boolean shutdown(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextAcpi = 0;
        while (true) {
            boolean active = connection.call("read state of domain " + name, c -> require(c, name).isActive() == 1);
            if (!active) return true;
            long now = System.nanoTime();
            if (now - deadline >= 0) break;
            if (now - nextAcpi >= 0) {
                // resent: a guest still booting may miss the first power-button press
                requestAcpiShutdown(name);
                nextAcpi = now + ACPI_RESEND.toNanos();
            }
            sleep(POLL);
        }
        LOG.debugf("domain %s did not power off within %s, destroying it", name, timeout);
        destroy(name);
        return false;
    }

    private void requestAcpiShutdown(String name) {
        connection.call("shut down domain " + name, c -> {
            try {
                require(c, name).shutdown();
            } catch (LibvirtException e) {
                if (LibvirtConnection.code(e) != ErrorNumber.VIR_ERR_OPERATION_INVALID) throw e; // not running (any more)
            }
            return null;
        });
    }

    @Override
    public void destroy(String name) {
        connection.call("destroy domain " + name, c -> {
            org.libvirt.Domain d = lookup(c, name);
            if (d == null || d.isActive() == 0) return null;
            try {
                d.destroy();
            } catch (LibvirtException e) {
                if (LibvirtConnection.code(e) != ErrorNumber.VIR_ERR_OPERATION_INVALID) throw e; // stopped meanwhile
            }
            return null;
        });
    }

    @Override
    public void undefine(String name) {
        connection.call("undefine domain " + name, c -> {
            org.libvirt.Domain d = lookup(c, name);
            if (d == null) return null;
            try {
                d.undefine(UNDEFINE_NVRAM | UNDEFINE_TPM);
            } catch (LibvirtException e) {
                ErrorNumber code = LibvirtConnection.code(e);
                if (code == ErrorNumber.VIR_ERR_NO_DOMAIN) return null;
                // drivers without NVRAM (the test driver) refuse the flag
                if (code != ErrorNumber.VIR_ERR_INVALID_ARG && code != ErrorNumber.VIR_ERR_NO_SUPPORT) throw e;
                d.undefine();
            }
            return null;
        });
    }

    @Override
    public Optional<Domain> find(String name) {
        return connection.call("look up domain " + name, c -> {
            org.libvirt.Domain d = lookup(c, name);
            return d == null ? Optional.<Domain>empty() : infoIfPresent(d);
        });
    }

    @Override
    public Optional<String> guestAddress(String name, NetworkMode network) { return networks.guestAddress(name, network); }

    @Override
    public void releaseLeases(String name) { networks.releaseLeases(name); }

    @Override
    public Optional<String> networkProblem(NetworkMode network, String networkName) { return networks.problem(network, networkName); }

    @Override
    public List<Domain> listOwned() {
        return connection.call("list domains", c -> {
            List<Domain> owned = new ArrayList<>();
            for (org.libvirt.Domain d : c.listAllDomains(0)) {
                infoIfPresent(d).filter(Domain::owned).ifPresent(owned::add);
            }
            return owned;
        });
    }

    @Override
    public AutoCloseable subscribe(Consumer<DomainEvent> listener) {
        listeners.add(listener);
        try {
            connection.startEvents();
        } catch (PbException e) {
            listeners.remove(listener);
            throw e;
        }
        return () -> {
            listeners.remove(listener);
            if (listeners.isEmpty()) connection.stopEvents();
        };
    }

    @Override
    public void close() {
        listeners.clear();
        connection.close();
        dispatcher.shutdown();
    }

    // -- events

    /** Runs on libvirt's event-loop thread: only take the name, do the rest on the dispatcher. */
    private int onLifecycle(org.libvirt.Domain domain, org.libvirt.event.DomainEvent event) {
        String name;
        try {
            name = domain.getName();
        } catch (LibvirtException e) {
            return 0;
        }
        DomainEvent.Type type = mapType(event.getType());
        String detail = String.valueOf((Object) event.getDetail());
        dispatcher.execute(() -> dispatch(name, type, detail));
        return 0;
    }

    /** The connection was reopened: events of the gap are lost, so listeners hear that they should look at everything. */
    private void onReconnected() {
        dispatcher.execute(() -> deliver(new DomainEvent(null, null, null, DomainEvent.Type.RECONNECTED, "libvirt at " + uri + " reconnected")));
    }

    private void dispatch(String name, DomainEvent.Type type, String detail) {
        PbMetadata owner;
        if (type == DomainEvent.Type.UNDEFINED) {
            owner = knownOwners.remove(name);
        } else {
            try {
                owner = find(name).map(Domain::metadata).orElse(knownOwners.get(name));
            } catch (PbException e) {
                owner = knownOwners.get(name);
            }
        }
        deliver(new DomainEvent(name, owner == null ? null : owner.ownerNamespace(),
                owner == null ? null : owner.ownerName(), type, detail));
    }

    private void deliver(DomainEvent ev) {
        for (Consumer<DomainEvent> l : listeners) {
            try {
                l.accept(ev);
            } catch (RuntimeException e) {
                LOG.warnf(e, "domain event listener failed on %s", ev);
            }
        }
    }

    static DomainEvent.Type mapType(DomainEventType t) {
        if (t == null) return DomainEvent.Type.UNKNOWN;
        return switch (t) {
            case DEFINED -> DomainEvent.Type.DEFINED;
            case UNDEFINED -> DomainEvent.Type.UNDEFINED;
            case STARTED -> DomainEvent.Type.STARTED;
            case SUSPENDED -> DomainEvent.Type.SUSPENDED;
            case RESUMED -> DomainEvent.Type.RESUMED;
            case STOPPED -> DomainEvent.Type.STOPPED;
            case SHUTDOWN -> DomainEvent.Type.SHUTDOWN;
            case PMSUSPENDED -> DomainEvent.Type.PMSUSPENDED;
            case CRASHED -> DomainEvent.Type.CRASHED;
            default -> DomainEvent.Type.UNKNOWN;
        };
    }

    // -- domain reading

    private Optional<Domain> infoIfPresent(org.libvirt.Domain d) throws LibvirtException {
        try {
            return Optional.of(info(d));
        } catch (LibvirtException e) {
            if (LibvirtConnection.code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN) return Optional.empty(); // gone meanwhile
            throw e;
        }
    }

    private Domain info(org.libvirt.Domain d) throws LibvirtException {
        String name = d.getName();
        PbMetadata metadata = DomainXml.readMetadata(d.getXMLDesc(0)).orElse(null);
        if (metadata != null) knownOwners.put(name, metadata);
        return new Domain(name, d.getUUIDString(), mapState(d.getInfo().state), metadata);
    }

    static Domain.State mapState(org.libvirt.DomainInfo.DomainState s) {
        if (s == null) return Domain.State.OTHER;
        return switch (s) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> Domain.State.RUNNING;
            case VIR_DOMAIN_SHUTOFF -> Domain.State.SHUTOFF;
            case VIR_DOMAIN_PAUSED -> Domain.State.PAUSED;
            case VIR_DOMAIN_CRASHED -> Domain.State.CRASHED;
            default -> Domain.State.OTHER;
        };
    }

    static org.libvirt.Domain lookup(Connect c, String name) throws LibvirtException {
        try {
            return c.domainLookupByName(name);
        } catch (LibvirtException e) {
            if (LibvirtConnection.code(e) == ErrorNumber.VIR_ERR_NO_DOMAIN) return null;
            throw e;
        }
    }

    private org.libvirt.Domain require(Connect c, String name) throws LibvirtException {
        org.libvirt.Domain d = lookup(c, name);
        if (d == null) throw Failure.DomainNotFound.with("no domain '" + name + "' in " + uri);
        return d;
    }

    private static void createParent(Path file, boolean diskFolder) {
        if (file == null || file.getParent() == null) return;
        try {
            if (diskFolder) FileModes.diskFolders(file.getParent());
            else FileModes.privateFolders(file.getParent());
        } catch (IOException e) {
            throw Failure.LibvirtError.with("create folder " + file.getParent() + ": " + e.getMessage(), e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.Interrupted.with("interrupted while waiting for a domain");
        }
    }

    /** Whether libvirt's client library (libvirt.so.0) is installed, so this adapter can work at all. */
    public static boolean libraryPresent() {
        return LibvirtConnection.libraryPresent();
    }

}
