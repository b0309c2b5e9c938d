package dev.bootc.pb.libvirt;

import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.HostArch;

import dev.bootc.pb.port.DomainEvent;

import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.PbMetadata;

import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.PbException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The libvirt-java implementation against libvirt's test:///default driver: real libvirt, no hypervisor. */
class LibvirtDomainsTest {
    static LibvirtDomains hv;

    @TempDir
    Path tmp;

    @BeforeAll
    static void connect() {
        hv = new LibvirtDomains("test:///default", Accel.TCG, HostArch.X86_64, java.util.Optional.empty());
    }

    @AfterAll
    static void close() {
        hv.close();
    }

    @AfterEach
    void cleanUp() {
        for (Domain d : hv.listOwned()) {
            hv.destroy(d.name());
            hv.undefine(d.name());
        }
    }

    DomainSpec spec(String name, String owner) {
        return DomainSpec.builder(name).accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.uefi).memoryMiB(512).vcpus(1)
                .nvramPath(tmp.resolve(name + ".nvram")).diskPath(tmp.resolve(name + ".qcow2"))
                .serialLogPath(tmp.resolve(name + "/serial.log"))
                .network(NetworkMode.user).sshPort(20022)
                .metadata(new PbMetadata("default", owner, "uid-" + owner, "localhost/img:latest", "sha256:abc",
                        20022, "root", "/keys/" + owner, Instant.parse("2026-11-25T10:00:00Z"), "hash-" + owner))
                .build();
    }

    @Test
    void lifecycle() {
        hv.define(spec("pb-life", "life"));
        Domain defined = hv.find("pb-life").orElseThrow();
        assertEquals(Domain.State.SHUTOFF, defined.state());
        assertNotNull(defined.uuid());

        hv.start("pb-life");
        assertEquals(Domain.State.RUNNING, hv.find("pb-life").orElseThrow().state());
        hv.start("pb-life"); // idempotent

        assertTrue(hv.shutdown("pb-life", Duration.ofSeconds(5)), "test driver powers off on ACPI shutdown");
        assertEquals(Domain.State.SHUTOFF, hv.find("pb-life").orElseThrow().state());
        assertTrue(hv.shutdown("pb-life", Duration.ofSeconds(1)), "shutting down a stopped domain is a no-op");

        hv.start("pb-life");
        hv.destroy("pb-life");
        assertEquals(Domain.State.SHUTOFF, hv.find("pb-life").orElseThrow().state());
        hv.destroy("pb-life"); // idempotent

        hv.undefine("pb-life");
        assertTrue(hv.find("pb-life").isEmpty());
        hv.undefine("pb-life"); // already gone: fine
    }

    @Test
    void metadataRoundTripsAndRedefineKeepsUuid() {
        DomainSpec spec = spec("pb-meta", "meta");
        hv.define(spec);
        Domain first = hv.find("pb-meta").orElseThrow();
        Domain found = hv.find("pb-meta").orElseThrow();
        assertEquals(spec.metadata(), found.metadata());
        assertEquals(first.uuid(), found.uuid());

        hv.define(DomainSpec.builder("pb-meta").accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.bios)
                .diskPath(tmp.resolve("other.qcow2")).network(NetworkMode.none).memoryMiB(256)
                .metadata(spec.metadata()).build());
        assertEquals(first.uuid(), hv.find("pb-meta").orElseThrow().uuid());
    }

    @Test
    void listsOnlyOurDomains() {
        hv.define(spec("pb-a", "a"));
        hv.define(spec("pb-b", "b"));
        assertTrue(hv.find("test").isPresent(), "test:///default ships a domain 'test'");
        assertFalse(hv.find("test").orElseThrow().owned());
        List<String> names = hv.listOwned().stream().map(Domain::name).sorted().toList();
        assertEquals(List.of("pb-a", "pb-b"), names);
        assertEquals("default/b", hv.find("pb-b").orElseThrow().metadata().owner());
    }

    @Test
    void unknownDomains() {
        assertTrue(hv.find("nope").isEmpty());
        PbException e = assertThrows(PbException.class, () -> hv.start("nope"));
        assertEquals(dev.bootc.pb.api.Failure.DomainNotFound, e.failure());
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        hv.destroy("nope");
        hv.undefine("nope");
    }

    @Test
    void aSerialLogsLastWriteIsItsModificationTimeAndNoneWithoutALog() throws Exception {
        Path log = tmp.resolve("serial.log");
        assertEquals(java.util.Optional.empty(), hv.serialLogWritten(log));
        java.nio.file.Files.writeString(log, "[    1.0] Linux version 6.12\n");
        Instant written = Instant.parse("2026-12-01T10:01:00Z");
        java.nio.file.Files.setLastModifiedTime(log, java.nio.file.attribute.FileTime.from(written));
        assertEquals(java.util.Optional.of(written), hv.serialLogWritten(log));
    }

    @Test
    void anUnreachableLibvirtIsUnavailableNotAnError() {
        LibvirtDomains none = new LibvirtDomains("nosuchdriver:///x", Accel.TCG, HostArch.X86_64, java.util.Optional.empty());
        PbException e = assertThrows(PbException.class, () -> none.find("x"));
        assertEquals("LibvirtUnavailable", e.reason());
        assertFalse(e.terminal(), "it may come back");
        assertTrue(e.getMessage().startsWith("connect to nosuchdriver:///x: "), e.getMessage());
    }

    @Test
    void lifecycleEventsNameTheOwner() throws Exception {
        BlockingQueue<DomainEvent> events = new LinkedBlockingQueue<>();
        try (AutoCloseable sub = hv.subscribe(events::add)) {
            hv.define(spec("pb-ev", "ev"));
            hv.start("pb-ev");
            hv.destroy("pb-ev");
            hv.undefine("pb-ev");
            assertEvent(events, DomainEvent.Type.DEFINED);
            assertEvent(events, DomainEvent.Type.STARTED);
            assertEvent(events, DomainEvent.Type.STOPPED);
            DomainEvent undefined = assertEvent(events, DomainEvent.Type.UNDEFINED);
            assertEquals("ev", undefined.ownerName(), "owner of an undefined domain is remembered");
        }
    }

    private static DomainEvent assertEvent(BlockingQueue<DomainEvent> events, DomainEvent.Type type) throws InterruptedException {
        while (true) {
            DomainEvent e = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(e, "no " + type + " event within 10 s");
            if (!e.domainName().equals("pb-ev")) continue;
            if (e.type() != type) continue; // e.g. a second DEFINED detail
            assertEquals("default", e.ownerNamespace());
            assertEquals("ev", e.ownerName());
            return e;
        }
    }

    @Test
    void aDomainOnALibvirtNetworkIsDefinedOnItAndANetworkTheHostLacksIsNamed() {
        DomainSpec base = spec("pb-nat", "nat");
        DomainSpec onNat = DomainSpec.builder("pb-nat").accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.uefi).memoryMiB(512).vcpus(1)
                .nvramPath(base.nvramPath()).diskPath(base.diskPath()).serialLogPath(base.serialLogPath())
                .network(NetworkMode.libvirt).networkName("default").sshPort(22).metadata(base.metadata()).build();
        hv.define(onNat);
        hv.start("pb-nat");
        assertTrue(hv.find("pb-nat").orElseThrow().running());
        // the test driver makes up a lease for every running domain's NIC
        assertTrue(hv.guestAddress("pb-nat", NetworkMode.libvirt).orElseThrow().matches("^192\\.168\\.122\\.[0-9]+$"));
        hv.releaseLeases("pb-nat"); // dhcp_release, when the host has it, on a bridge the test driver names
        assertEquals(java.util.Optional.empty(), hv.networkProblem(NetworkMode.libvirt, "default"), "the test driver's default network is active");
        assertEquals("libvirt has no network nosuch (virsh net-list --all lists them): name another, or define it",
                hv.networkProblem(NetworkMode.libvirt, "nosuch").orElseThrow());
        assertTrue(hv.networkProblem(NetworkMode.bridge, "pb-no-such-br").orElseThrow().startsWith("this host has no bridge pb-no-such-br"));
        assertEquals(java.util.Optional.empty(), hv.networkProblem(NetworkMode.user, null));
    }
}
