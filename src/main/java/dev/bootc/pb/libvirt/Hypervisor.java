package dev.bootc.pb.libvirt;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The VM engine's port to the hypervisor: define, run and observe domains. Every call asks the
 * hypervisor; nothing is cached. Operations are idempotent where a reconciler needs them to be
 * (starting a running domain, stopping a stopped one, undefining a missing one do nothing).
 * Failures are {@link dev.bootc.pb.api.PbException}s: NotFound for an unknown domain, Failed with
 * reason {@code LibvirtError} otherwise.
 */
public interface Hypervisor extends AutoCloseable {

    /** Defines the domain, or redefines it (keeping its UUID) when one of that name exists. */
    DomainInfo define(DomainSpec spec);

    /** Starts a defined domain; does nothing when it already runs. */
    void start(String name);

    /**
     * Asks the guest to power off (ACPI), waits up to {@code timeout}, then destroys it.
     *
     * @return true when the guest stopped by itself, false when it had to be destroyed
     */
    boolean shutdown(String name, Duration timeout);

    /** Powers the domain off at once; does nothing when it is not running. */
    void destroy(String name);

    /** Removes the domain's definition and its NVRAM file; does nothing when it is already gone. */
    void undefine(String name);

    /** The domain, or empty when there is none of that name. */
    Optional<DomainInfo> find(String name);

    /** Every domain whose metadata holds our element, asked of the hypervisor on each call. */
    List<DomainInfo> listOwnedDomains();

    /**
     * Calls {@code listener} for each lifecycle event of any domain, on a thread of its own, until the
     * returned handle is closed.
     */
    AutoCloseable subscribe(Consumer<DomainEvent> listener);

    /** The accelerator this hypervisor's domains are defined with. */
    Accel accel();

    /** The connection URI, e.g. {@code qemu:///system}. */
    String uri();

    @Override
    void close();
}
