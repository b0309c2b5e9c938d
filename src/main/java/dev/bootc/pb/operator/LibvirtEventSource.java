package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.reconcile.World;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import org.jboss.logging.Logger;

import java.util.function.Supplier;

/** libvirt lifecycle events of our domains, as JOSDK events of the owning BootcVm. */
public final class LibvirtEventSource extends AbstractEventSource<Void, BootcVm> {
    private static final Logger LOG = Logger.getLogger(LibvirtEventSource.class);
    private final Supplier<World> world;
    private AutoCloseable subscription;

    public LibvirtEventSource(Supplier<World> world) {
        super(Void.class, "libvirt-lifecycle");
        this.world = world;
    }

    @Override
    public void start() throws OperatorException {
        subscription = world.get().subscribe(e -> {
            if (e.owned()) {
                LOG.debugf("libvirt: %s %s", e.domainName(), e.type());
                getEventHandler().handleEvent(new Event(new ResourceID(e.ownerName(), e.ownerNamespace())));
            }
        });
        super.start();
    }

    @Override
    public java.util.Set<Void> getSecondaryResources(BootcVm primary) {
        return java.util.Set.of();
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
