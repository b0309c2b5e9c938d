package dev.bootc.pb.driver.kube;

import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.store.kube.KubeBootcVm;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * libvirt lifecycle events of our domains, as events of the owning BootcVm (the one mapping:
 * {@link dev.bootc.pb.port.DomainEvent#owner()}); after a lost and regained libvirt connection
 * (RECONNECTED: events may have been missed), an event for every BootcVm the controller caches.
 */
final class DomainEventSource extends AbstractEventSource<Void, KubeBootcVm> {
    private static final Logger LOG = Logger.getLogger(DomainEventSource.class);
    private final Supplier<Domains> domains;
    private final Supplier<List<ResourceID>> all;
    private AutoCloseable subscription;

    DomainEventSource(Supplier<Domains> domains, Supplier<List<ResourceID>> all) {
        super(Void.class, "libvirt-lifecycle");
        this.domains = domains;
        this.all = all;
    }

    @Override
    public void start() throws OperatorException {
        subscription = domains.get().subscribe(this::onDomainEvent);
        super.start();
    }

    void onDomainEvent(DomainEvent e) {
        if (e.type() == DomainEvent.Type.RECONNECTED) {
            List<ResourceID> ids = all.get();
            LOG.infof("%s: looking at every VM again (%d)", e.detail(), ids.size());
            ids.forEach(id -> getEventHandler().handleEvent(new Event(id)));
            return;
        }
        e.owner().ifPresent(key -> getEventHandler().handleEvent(new Event(new ResourceID(key.name(), key.namespace()))));
    }

    @Override
    public Set<Void> getSecondaryResources(KubeBootcVm primary) {
        return Set.of();
    }

    @Override
    public void stop() throws OperatorException {
        try {
            if (subscription != null) subscription.close();
        } catch (Exception e) {
            // stopping anyway
        }
        super.stop();
    }
}
