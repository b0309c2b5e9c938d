package dev.bootc.pb.driver.kube;

import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.testing.FakeWorld;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** libvirt's events as the JOSDK controller's: one per owned domain's event, every cached VM after a reconnect. */
class DomainEventSourceTest {
    @Test
    void anOwnedDomainsEventIsItsVmsAndAReconnectIsEveryVms() throws Exception {
        FakeWorld world = new FakeWorld();
        List<ResourceID> cached = List.of(new ResourceID("a", "ns"), new ResourceID("b", "ns"));
        DomainEventSource source = new DomainEventSource(() -> world.domains, () -> cached);
        List<ResourceID> got = new ArrayList<>();
        EventHandler handler = new EventHandler() {
            @Override
            public void handleEvent(Event event) {
                got.add(event.getRelatedCustomResourceID());
            }
        };
        source.setEventHandler(handler);
        source.start();
        try {
            world.domains.listeners.forEach(l -> l.accept(new DomainEvent("pb-ns-a", "ns", "a", DomainEvent.Type.STOPPED, "destroyed")));
            world.domains.listeners.forEach(l -> l.accept(new DomainEvent("someone-else", null, null, DomainEvent.Type.STARTED, "")));
            assertEquals(List.of(new ResourceID("a", "ns")), got);
            got.clear();
            world.domains.listeners.forEach(l -> l.accept(new DomainEvent(null, null, null, DomainEvent.Type.RECONNECTED, "libvirt at test:///default reconnected")));
            assertEquals(cached, got);
        } finally {
            source.stop();
        }
    }
}
