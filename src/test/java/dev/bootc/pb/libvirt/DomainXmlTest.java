package dev.bootc.pb.libvirt;

import dev.bootc.pb.port.HostArch;

import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.PbMetadata;

import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainXmlTest {
    static final PbMetadata META = new PbMetadata("default", "web", "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            "quay.io/fedora/fedora-bootc:42", "sha256:0123abcd", 20022, "root",
            "/var/lib/pb/vms/default/web/id_ed25519", Instant.parse("2026-11-25T18:00:00Z"), "0123456789abcdef");

    @TempDir
    Path tmp;

    static DomainSpec fullSpec(Path dir) {
        return DomainSpec.builder("pb-default-web")
                .memoryMiB(1024).vcpus(2).accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.uefi)
                .nvramPath(dir.resolve("web.nvram"))
                .diskPath(dir.resolve("web.qcow2"))
                .serialLogPath(dir.resolve("serial.log"))
                .smbiosString("io.systemd.credential.binary:ssh.authorized_keys.root=c3NoLWVkMjU1MTkgQUFBQQ==")
                .smbiosString("io.systemd.credential:hello=world")
                .network(NetworkMode.user).sshPort(20022)
                .forward(new DomainSpec.HostForward(Protocol.tcp, "127.0.0.1", 8080, 80))
                .forward(new DomainSpec.HostForward(Protocol.udp, "0.0.0.0", 5353, 53))
                .sharedFolder(dir.resolve("data"), "/var/data", true)
                .sharedFolder(dir.resolve("src"), "/mnt/src", false)
                .virtiofsd(Path.of("/usr/lib/qemu/virtiofsd"))
                .virtiofsdReadOnly(Path.of("/var/lib/pb/libexec/virtiofsd-ro"))
                .metadata(META)
                .build();
    }

    @Test
    void fullSpecValidatesAgainstLibvirtSchemaAndHoldsWhatWasAsked() throws Exception {
        String xml = DomainXml.write(fullSpec(tmp), "6f1f3c2e-1111-4222-8333-444455556666");
        assertValid(xml);
        assertEquals(2, freeRootPorts(assertQemuDriverAccepts(xml)), "two shares, TPM, UEFI: still two free slots");
        Document d = DomainXml.parse(xml);
        assertEquals("qemu", x(d, "/domain/@type"));
        assertEquals("pb-default-web", x(d, "/domain/name"));
        assertEquals("6f1f3c2e-1111-4222-8333-444455556666", x(d, "/domain/uuid"));
        assertEquals("1024", x(d, "/domain/memory"));
        assertEquals("MiB", x(d, "/domain/memory/@unit"));
        assertEquals("1", x(d, "/domain/vcpu"), "one vCPU under TCG (the spec asks for 2)");
        assertEquals("q35", x(d, "/domain/os/type/@machine"));
        assertEquals("x86_64", x(d, "/domain/os/type/@arch"));
        // libvirt chooses the firmware build: no path to a firmware file anywhere in the XML
        assertEquals("efi", x(d, "/domain/os/@firmware"));
        assertEquals("0", x(d, "count(/domain/os/loader)"));
        assertEquals("0", x(d, "count(/domain/os/nvram/@template)"));
        assertFalse(xml.contains("OVMF") || xml.contains("edk2") || xml.contains("/usr/share"), xml);
        assertEquals("no", x(d, "/domain/os/firmware/feature[@name='secure-boot']/@enabled"));
        assertEquals("no", x(d, "/domain/os/firmware/feature[@name='enrolled-keys']/@enabled"));
        assertEquals("0", x(d, "count(/domain/features/smm)"));
        assertEquals(tmp.resolve("web.nvram").toString(), x(d, "/domain/os/nvram"));
        assertEquals("tpm-crb", x(d, "/domain/devices/tpm/@model"));
        assertEquals("emulator", x(d, "/domain/devices/tpm/backend/@type"));
        assertEquals("2.0", x(d, "/domain/devices/tpm/backend/@version"));
        assertEquals("sysinfo", x(d, "/domain/os/smbios/@mode"));
        assertEquals("maximum", x(d, "/domain/cpu/@mode"));
        assertEquals("1", x(d, "count(/domain/features/acpi)"));
        assertEquals("2", x(d, "count(/domain/sysinfo[@type='smbios']/oemStrings/entry)"));
        assertEquals("io.systemd.credential:hello=world", x(d, "/domain/sysinfo/oemStrings/entry[2]"));
        assertEquals("qcow2", x(d, "/domain/devices/disk/driver/@type"));
        assertEquals("virtio", x(d, "/domain/devices/disk/target/@bus"));
        assertEquals(tmp.resolve("web.qcow2").toString(), x(d, "/domain/devices/disk/source/@file"));
        assertEquals(tmp.resolve("serial.log").toString(), x(d, "/domain/devices/serial[@type='pty']/log/@file"));
        assertEquals("off", x(d, "/domain/devices/serial/log/@append"));
        assertEquals("serial", x(d, "/domain/devices/console/target/@type"));
        // virtiofs
        assertEquals("memfd", x(d, "/domain/memoryBacking/source/@type"));
        assertEquals("shared", x(d, "/domain/memoryBacking/access/@mode"));
        assertEquals("2", x(d, "count(/domain/devices/filesystem[@type='mount'][@accessmode='passthrough'])"));
        assertEquals("virtiofs", x(d, "/domain/devices/filesystem[1]/driver/@type"));
        assertEquals(tmp.resolve("data").toString(), x(d, "/domain/devices/filesystem[1]/source/@dir"));
        assertEquals("pb-vol0", x(d, "/domain/devices/filesystem[1]/target/@dir"));
        assertEquals("pb-vol1", x(d, "/domain/devices/filesystem[2]/target/@dir"));
        assertEquals("/var/lib/pb/libexec/virtiofsd-ro", x(d, "/domain/devices/filesystem[1]/binary/@path"), "the read-only folder's wrapper");
        assertEquals("/usr/lib/qemu/virtiofsd", x(d, "/domain/devices/filesystem[2]/binary/@path"));
        // user networking on QEMU's command line
        List<String> args = qemuArgs(d);
        assertEquals(List.of("-netdev",
                "user,id=n0,hostfwd=tcp:127.0.0.1:20022-:22,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-:53",
                "-device", "virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x0a"), args);
        assertEquals("0", x(d, "count(/domain/devices/interface)"));
        // our metadata
        assertEquals(META, DomainXml.readMetadata(xml).orElseThrow());
        assertEquals("6f1f3c2e-1111-4222-8333-444455556666", DomainXml.readUuid(xml));
    }

    @Test
    void aCloudInitSeedIsASecondReadOnlyRawDiskAfterTheBootDisk() throws Exception {
        DomainSpec spec = DomainSpec.builder("seeded").accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.bios)
                .diskPath(tmp.resolve("seeded.qcow2")).network(NetworkMode.none)
                .cloudInitSeed(new DomainSpec.SeedDisk(tmp.resolve("seeded_cidata.iso"), "abc")).build();
        String xml = DomainXml.write(spec);
        assertValid(xml);
        Document d = DomainXml.parse(xml);
        assertEquals("2", x(d, "count(/domain/devices/disk)"));
        assertEquals("vda", x(d, "/domain/devices/disk[1]/target/@dev"), "the boot disk stays first");
        assertEquals(tmp.resolve("seeded_cidata.iso").toString(), x(d, "/domain/devices/disk[2]/source/@file"));
        assertEquals("raw", x(d, "/domain/devices/disk[2]/driver/@type"));
        assertEquals("vdb", x(d, "/domain/devices/disk[2]/target/@dev"));
        assertEquals("1", x(d, "count(/domain/devices/disk[2]/readonly)"));
        assertEquals("0", x(d, "count(/domain/devices/disk[1]/readonly)"));
        assertEquals("1", x(DomainXml.parse(DomainXml.write(fullSpec(tmp))), "count(/domain/devices/disk)"), "no seed, no second disk");
    }

    @Test
    void aRawDiskIsGivenToQemuAsRawAndAQcow2OneAsQcow2() throws Exception {
        for (String file : new String[] {"web.raw", "web.qcow2"}) {
            DomainSpec spec = DomainSpec.builder("fmt").accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.bios)
                    .diskPath(tmp.resolve(file)).network(NetworkMode.none).build();
            String xml = DomainXml.write(spec);
            assertValid(xml);
            Document d = DomainXml.parse(xml);
            // never probed: a raw disk read as qcow2 would fail to boot, and a guest's bytes must never be read as a header
            assertEquals(file.substring(file.indexOf('.') + 1), x(d, "/domain/devices/disk[1]/driver/@type"), file);
            assertEquals("unmap", x(d, "/domain/devices/disk[1]/driver/@discard"), "the guest's trims punch holes: the file stays sparse");
        }
    }

    @Test
    void uefiSecureAsksForSecureBootAndEnrolledKeysWithSmm() throws Exception {
        DomainSpec spec = DomainSpec.builder("secure").accel(Accel.TCG).firmware(Firmware.uefi_secure).arch(HostArch.X86_64)
                .nvramPath(tmp.resolve("s.nvram")).diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.none).build();
        String xml = DomainXml.write(spec);
        assertValid(xml);
        Document d = DomainXml.parse(xml);
        assertEquals("efi", x(d, "/domain/os/@firmware"));
        assertEquals("yes", x(d, "/domain/os/firmware/feature[@name='secure-boot']/@enabled"));
        assertEquals("yes", x(d, "/domain/os/firmware/feature[@name='enrolled-keys']/@enabled"));
        assertEquals("on", x(d, "/domain/features/smm/@state"));
        assertEquals("0", x(d, "count(/domain/os/loader)"));
    }

    @Test
    void aarch64GetsTheVirtMachineUefiAndNoX86Devices() throws Exception {
        DomainSpec spec = DomainSpec.builder("arm").accel(Accel.TCG).firmware(Firmware.uefi).arch(HostArch.AARCH64)
                .nvramPath(tmp.resolve("a.nvram")).diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.user).sshPort(2222).build();
        String xml = DomainXml.write(spec);
        assertValid(xml);
        Document d = DomainXml.parse(xml);
        assertEquals("aarch64", x(d, "/domain/os/type/@arch"));
        assertEquals("virt", x(d, "/domain/os/type/@machine"));
        assertEquals("efi", x(d, "/domain/os/@firmware"));
        assertEquals("0", x(d, "count(/domain/features/apic)"));
        assertEquals("1", x(d, "count(/domain/features/gic)"));
        assertEquals("tpm-tis", x(d, "/domain/devices/tpm/@model"));
        assertFalse(xml.contains("q35") || xml.contains("x86_64") || xml.contains("OVMF"), xml);
        assertThrows(IllegalArgumentException.class, () -> DomainSpec.builder("arm-bios").accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.bios)
                .arch(HostArch.AARCH64).diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.none).build());
    }

    @Test
    void biosKvmWithoutNetworkValidates() throws Exception {
        DomainSpec spec = DomainSpec.builder("plain").accel(Accel.KVM).firmware(Firmware.bios).arch(HostArch.X86_64).tpm(false)
                .diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.none).build();
        String xml = DomainXml.write(spec);
        assertValid(xml);
        Document d = DomainXml.parse(xml);
        assertEquals("kvm", x(d, "/domain/@type"));
        assertEquals("host-passthrough", x(d, "/domain/cpu/@mode"));
        assertEquals("0", x(d, "count(/domain/os/loader)"));
        assertEquals("0", x(d, "count(/domain/os/nvram)"));
        assertEquals("0", x(d, "count(/domain/os/@firmware)"));
        assertEquals("0", x(d, "count(/domain/devices/tpm)"));
        assertEquals("0", x(d, "count(/domain/os/smbios)"));
        assertEquals("0", x(d, "count(/domain/sysinfo)"));
        // shared memory even without volumes: the host's container storage can be hot-plugged for an in-place update
        assertEquals("memfd shared", x(d, "concat(/domain/memoryBacking/source/@type, ' ', /domain/memoryBacking/access/@mode)"));
        assertEquals("0", x(d, "count(/domain/metadata)"));
        assertTrue(qemuArgs(d).isEmpty());
        assertFalse(xml.contains("qemu:commandline"));
        assertTrue(DomainXml.readMetadata(xml).isEmpty());
        assertNull(DomainXml.readUuid(xml));
    }

    @Test
    void markupInNamesPathsAndMetadataIsEscapedNotInjected() throws Exception {
        String evilName = "vm<name>&\"'<uuid>x<uuid>";
        Path evilDisk = tmp.resolve("d'isk\"<&>.qcow2");
        String evilCred = "io.systemd.credential:x=</entry><entry>injected";
        PbMetadata evilMeta = new PbMetadata("ns\"<&", "n'a>me", null, "img</bootc:image><x/>", null,
                null, "root", "/k&ey", null, "h<a&sh");
        DomainSpec spec = DomainSpec.builder(evilName).accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.uefi)
                .nvramPath(tmp.resolve("nv<&>ram")).diskPath(evilDisk).network(NetworkMode.user).sshPort(2222)
                .smbiosString(evilCred).sharedFolder(tmp.resolve("a\"b<c>&"), "/mnt/x", false)
                .virtiofsd(Path.of("/usr/lib/qemu/virtiofsd")).metadata(evilMeta).build();
        String xml = DomainXml.write(spec);
        assertValid(xml);
        Document d = DomainXml.parse(xml);
        assertEquals(evilName, x(d, "/domain/name"));
        assertEquals("1", x(d, "count(/domain/name)"));
        assertEquals("0", x(d, "count(/domain/uuid)"));
        assertEquals(evilDisk.toString(), x(d, "/domain/devices/disk/source/@file"));
        assertEquals(tmp.resolve("a\"b<c>&").toString(), x(d, "/domain/devices/filesystem/source/@dir"));
        assertEquals("1", x(d, "count(/domain/sysinfo/oemStrings/entry)"));
        assertEquals(evilCred, x(d, "/domain/sysinfo/oemStrings/entry"));
        assertEquals(evilMeta, DomainXml.readMetadata(xml).orElseThrow());
    }

    @Test
    void foreignMetadataIsNotOurs() {
        String xml = """
                <domain type='qemu'><name>other</name><metadata>
                  <other:vm xmlns:other="http://example.com/other"><other:owner namespace="a" name="b"/></other:vm>
                </metadata></domain>""";
        assertTrue(DomainXml.readMetadata(xml).isEmpty());
        String ours = """
                <domain type='qemu'><name>ours</name><metadata>
                  <x:vm xmlns:x="https://github.com/containers/bootc"><x:owner namespace="a" name="b"/>
                  <x:ssh port="notanumber"/></x:vm>
                </metadata></domain>""";
        PbMetadata m = DomainXml.readMetadata(ours).orElseThrow();
        assertEquals("a/b", m.owner());
        assertNull(m.sshPort());
    }

    @Test
    void aTcgGuestGetsOneVcpuAndAKvmGuestWhatItAsked() throws Exception {
        // multi-threaded TCG races with the guest kernel's live code patching (Oops: int3 at boot): one vCPU under TCG
        DomainSpec tcg = DomainSpec.builder("tcg").vcpus(4).accel(Accel.TCG).firmware(Firmware.bios).arch(HostArch.X86_64).tpm(false)
                .diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.none).build();
        assertEquals("1", x(DomainXml.parse(DomainXml.write(tcg)), "/domain/vcpu"));
        DomainSpec kvm = DomainSpec.builder("kvm").vcpus(3).accel(Accel.KVM).firmware(Firmware.bios).arch(HostArch.X86_64).tpm(false)
                .diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.none).build();
        assertEquals("3", x(DomainXml.parse(DomainXml.write(kvm)), "/domain/vcpu"));
    }

    @Test
    void everyDomainCanTakeAShareHotPluggedForAnInPlaceUpdate() throws Exception {
        DomainSpec spec = DomainSpec.builder("plain").accel(Accel.TCG).firmware(Firmware.bios).arch(HostArch.X86_64).tpm(false)
                .diskPath(tmp.resolve("d.qcow2")).network(NetworkMode.none).build();
        String xml = DomainXml.write(spec);
        assertValid(xml);
        assertEquals(2, freeRootPorts(assertQemuDriverAccepts(xml)), "free slots to plug into, as libvirt placed the devices");
        Document d = DomainXml.parse(xml);
        assertEquals("shared", x(d, "/domain/memoryBacking/access/@mode"));
        String device = LiveShares.device(new DomainSpec.SharedFolder(Path.of("/var/lib/containers/storage"), "/run/pb-storage", true,
                "pb-storage"), Path.of("/var/lib/pb/libexec/virtiofsd-ro"));
        Document f = DomainXml.parse(device);
        assertEquals("virtiofs", x(f, "/filesystem/driver/@type"));
        assertEquals("/var/lib/pb/libexec/virtiofsd-ro", x(f, "/filesystem/binary/@path"), "read-only on the host's side");
        assertEquals("/var/lib/containers/storage", x(f, "/filesystem/source/@dir"));
        assertEquals("pb-storage", x(f, "/filesystem/target/@dir"));
    }

    @Test
    void hostIpOfForwardMustBeAnIpv4Literal() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new DomainSpec.HostForward(Protocol.tcp, "127.0.0.1,hostfwd=tcp::22-:22", 1, 2));
    }

    /**
     * The host's QEMU driver (qemu:///system, the real libvirt the VMs run on) defines the domain: it checks what the
     * schema cannot (PCI controllers and addresses for the machine type, firmware, devices). Undefined at once.
     */
    static Document assertQemuDriverAccepts(String xml) throws Exception {
        String name = "pb-xmltest-" + Long.toHexString(System.nanoTime());
        Path file = Files.createTempFile("domain", ".xml");
        try {
            Files.writeString(file, xml.replaceFirst("<name>[^<]*</name>", "<name>" + name + "</name>").replaceFirst("<uuid>[^<]*</uuid>", ""));
            String out = virsh("define", file.toString());
            assertTrue(out.startsWith("0\n"), "libvirt's QEMU driver refused the domain:\n" + out + "\n" + xml);
            String defined = virsh("dumpxml", "--inactive", name);
            assertTrue(defined.startsWith("0\n"), defined);
            return DomainXml.parse(defined.substring(2));
        } finally {
            virsh("undefine", "--nvram", name);
            Files.deleteIfExists(file);
        }
    }

    /** Root ports of a domain libvirt defined that no device sits behind: what a hot-plug can use. */
    static int freeRootPorts(Document defined) throws Exception {
        XPath xp = XPathFactory.newInstance().newXPath();
        NodeList ports = (NodeList) xp.evaluate("/domain/devices/controller[@type='pci'][@model='pcie-root-port']/@index", defined, XPathConstants.NODESET);
        NodeList buses = (NodeList) xp.evaluate("/domain/devices/*/address[@type='pci']/@bus", defined, XPathConstants.NODESET);
        java.util.Set<Integer> used = new java.util.HashSet<>();
        for (int i = 0; i < buses.getLength(); i++) used.add(Integer.decode(buses.item(i).getNodeValue()));
        int free = 0;
        for (int i = 0; i < ports.getLength(); i++) if (!used.contains(Integer.parseInt(ports.item(i).getNodeValue()))) free++;
        return free;
    }

    @Test
    void aBridgeOrLibvirtNetworkIsANicOfItsOwnTheQemuDriverAccepts() throws Exception {
        for (NetworkMode mode : new NetworkMode[] {NetworkMode.libvirt, NetworkMode.bridge}) {
            DomainSpec s = DomainSpec.builder("pb-net").accel(Accel.TCG).arch(HostArch.X86_64).memoryMiB(512).vcpus(1)
                    .nvramPath(Path.of("/tmp/pb-net.nvram")).diskPath(Path.of("/tmp/pb-net.qcow2")).network(mode)
                    .networkName(mode == NetworkMode.libvirt ? "default" : "br0").sshPort(22).build();
            String xml = DomainXml.write(s);
            assertFalse(xml.contains("qemu:"), "no QEMU arguments for networking: " + xml);
            Document defined = assertQemuDriverAccepts(xml);
            org.w3c.dom.Element nic = (org.w3c.dom.Element) defined.getElementsByTagName("interface").item(0);
            assertEquals(mode == NetworkMode.libvirt ? "network" : "bridge", nic.getAttribute("type"));
            assertEquals(DomainXml.mac("pb-net"), ((org.w3c.dom.Element) nic.getElementsByTagName("mac").item(0)).getAttribute("address"));
            assertEquals("virtio", ((org.w3c.dom.Element) nic.getElementsByTagName("model").item(0)).getAttribute("type"));
            assertEquals(mode == NetworkMode.libvirt ? "default" : null, DomainXml.readNetworkSource(xml));
        }
    }

    private static String virsh(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("virsh", "-c", "qemu:///system"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "virsh timed out");
        return p.exitValue() + "\n" + out;
    }

    static void assertValid(String xml) throws Exception {
        Path file = Files.createTempFile("domain", ".xml");
        try {
            Files.writeString(file, xml);
            Process p = new ProcessBuilder("virt-xml-validate", file.toString(), "domain")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "virt-xml-validate timed out");
            assertEquals(0, p.exitValue(), "virt-xml-validate rejected:\n" + out + "\n" + xml);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static String x(Document d, String expr) throws Exception {
        XPath xp = XPathFactory.newInstance().newXPath();
        return xp.evaluate(expr, d);
    }

    static List<String> qemuArgs(Document d) throws Exception {
        NodeList args = d.getElementsByTagNameNS(DomainXml.QEMU_NS, "arg");
        return java.util.stream.IntStream.range(0, args.getLength())
                .mapToObj(i -> ((org.w3c.dom.Element) args.item(i)).getAttribute("value")).toList();
    }
}
