package dev.bootc.pb.driver.kube;

import dev.bootc.pb.port.Domains;
import dev.bootc.pb.store.kube.KubeBootcVm;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;

import java.util.Set;
import java.util.function.Supplier;

/** libvirt lifecycle events of our domains, as events of the owning BootcVm (the one mapping: {@link dev.bootc.pb.port.DomainEvent#owner()}). */
final class DomainEventSource extends AbstractEventSource<Void, KubeBootcVm> {
    private final Supplier<Domains> domains;
    private AutoCloseable subscription;

    DomainEventSource(Supplier<Domains> domains) {
        super(Void.class, "libvirt-lifecycle");
        this.domains = domains;
    }

    @Override
    public void start() throws OperatorException {
        subscription = domains.get().subscribe(e -> e.owner().ifPresent(key ->
                getEventHandler().handleEvent(new Event(new ResourceID(key.name(), key.namespace())))));
        super.start();
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
