package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.PbMetadata;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;

/**
 * Writes libvirt domain XML from a {@link DomainSpec} and reads our metadata back from
 * {@code dumpxml}. Built with the DOM API, so every user value is an escaped text node or
 * attribute, never markup.
 */
public final class DomainXml {
    /**
     * The vCPUs QEMU runs: the spec's under KVM, one under TCG. QEMU runs a TCG guest's vCPUs on as many host threads
     * (multi-threaded TCG), and Linux's live patching of its own code (static keys, text_poke_bp) races there: a vCPU
     * runs a breakpoint the patch already removed and the guest dies at boot ("Oops: int3 ... enqueue_task_fair", seen
     * at 28 s into a boot of Debian's 6.12 kernel, about one boot in twelve under load). libvirt 9.0 cannot ask for
     * single-threaded TCG (a second -accel is ignored; -icount forces it but doubled boot times: bench/tcg-boots), so a
     * TCG guest gets one vCPU: no second vCPU, no race; measured +30% boot time idle, and less when boots share the host.
     */
    static int vcpus(DomainSpec spec) {
        return spec.accel() == Accel.TCG ? 1 : spec.vcpus();
    }

    /** Root ports left free in every domain, for shares hot-plugged while it runs (an in-place update takes one). */
    static final int FREE_PCIE_PORTS = 2;
    /** The devices pb writes that libvirt puts on a PCIe root port of their own (virtio disks, virtiofs shares, the rng). */
    private static final List<String> PCIE_DEVICES = List.of("disk", "filesystem", "rng", "interface");
    public static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
    private static final String XMLNS_NS = XMLConstants.XMLNS_ATTRIBUTE_NS_URI;
    /** Our NIC sits at a fixed PCI address: libvirt does not know it and q35 will not pick one. */
    static final String NIC_DEVICE = "virtio-net-pci,netdev=n0,bus=pcie.0,addr=0x0a";

    private DomainXml() {
    }

    /** The domain XML for a new domain. */
    public static String write(DomainSpec spec) {
        return write(spec, null);
    }

    /** The domain XML; {@code uuid} keeps an existing domain's identity when redefining it. */
    public static String write(DomainSpec spec, String uuid) {
        Document doc = newBuilder().newDocument();
        Element domain = doc.createElement("domain");
        doc.appendChild(domain);
        domain.setAttribute("type", spec.accel().domainType());
        boolean qemuArgs = spec.network() == NetworkMode.user;
        if (qemuArgs) domain.setAttributeNS(XMLNS_NS, "xmlns:qemu", QEMU_NS);

        text(domain, "name", spec.name());
        if (uuid != null) text(domain, "uuid", uuid);
        if (spec.metadata() != null) {
            add(domain, "metadata").appendChild(MetadataXml.write(doc, spec.metadata()));
        }
        text(domain, "memory", Integer.toString(spec.memoryMiB())).setAttribute("unit", "MiB");
        // virtiofs needs guest memory that virtiofsd can map: always, so that the host's container storage can be
        // hot-plugged for an in-place update (pb upgrade/switch) into any running VM, volumes or not
        Element backing = add(domain, "memoryBacking");
        add(backing, "source").setAttribute("type", "memfd");
        add(backing, "access").setAttribute("mode", "shared");
        text(domain, "vcpu", Integer.toString(vcpus(spec)));
        if (!spec.smbiosStrings().isEmpty()) {
            Element sysinfo = add(domain, "sysinfo");
            sysinfo.setAttribute("type", "smbios");
            Element oem = add(sysinfo, "oemStrings");
            spec.smbiosStrings().forEach(s -> text(oem, "entry", s));
        }
        writeOs(domain, spec);
        Element features = add(domain, "features");
        add(features, "acpi"); // graceful shutdown is an ACPI power button press
        if (spec.arch() == HostArch.X86_64) add(features, "apic");
        else add(features, "gic").setAttribute("version", "3");
        // Secure Boot firmware needs SMM on x86_64 (libvirt would add it too; saying so keeps the XML honest)
        if (spec.firmware().secureBoot() && spec.arch() == HostArch.X86_64) add(features, "smm").setAttribute("state", "on");
        Element cpu = add(domain, "cpu");
        if (spec.accel() == Accel.KVM) {
            cpu.setAttribute("mode", "host-passthrough");
        } else {
            // QEMU's "max" model: recent bootc images need x86-64-v2/v3, which TCG's default lacks
            cpu.setAttribute("mode", "maximum");
            cpu.setAttribute("migratable", "off");
        }
        add(domain, "clock").setAttribute("offset", "utc");
        text(domain, "on_poweroff", "destroy");
        text(domain, "on_reboot", "restart");
        text(domain, "on_crash", "destroy");
        writeDevices(domain, spec);
        if (qemuArgs) writeUserNetwork(domain, spec);
        return serialize(doc);
    }

    private static void writeOs(Element domain, DomainSpec spec) {
        Element os = add(domain, "os");
        Element type = text(os, "type", "hvm");
        type.setAttribute("arch", spec.arch().archName());
        type.setAttribute("machine", spec.arch().machine());
        if (spec.firmware().isUefi()) {
            // No firmware path: libvirt picks the build from QEMU's descriptors (/usr/share/qemu/firmware),
            // which differ between distributions (Debian's OVMF_CODE_4M.fd, Fedora's .qcow2 under edk2/).
            os.setAttribute("firmware", "efi");
            Element fw = add(os, "firmware");
            String sb = spec.firmware().secureBoot() ? "yes" : "no";
            Element secure = add(fw, "feature");
            secure.setAttribute("enabled", sb);
            secure.setAttribute("name", "secure-boot");
            Element keys = add(fw, "feature");
            keys.setAttribute("enabled", sb);
            keys.setAttribute("name", "enrolled-keys");
            text(os, "nvram", spec.nvramPath().toString());
        }
        add(os, "boot").setAttribute("dev", "hd");
        if (!spec.smbiosStrings().isEmpty()) add(os, "smbios").setAttribute("mode", "sysinfo");
    }

    private static void writeDevices(Element domain, DomainSpec spec) {
        Element devices = add(domain, "devices");
        Element disk = add(devices, "disk");
        disk.setAttribute("type", "file");
        disk.setAttribute("device", "disk");
        Element driver = add(disk, "driver");
        driver.setAttribute("name", "qemu");
        // the format pb made the disk in, never probed by QEMU: a raw disk's first bytes are the guest's to write
        driver.setAttribute("type", spec.diskFormat().name());
        // the guest's trims punch holes in the file: an overlay or a raw copy stays sparse
        driver.setAttribute("discard", "unmap");
        add(disk, "source").setAttribute("file", spec.diskPath().toString());
        Element target = add(disk, "target");
        target.setAttribute("dev", "vda");
        target.setAttribute("bus", "virtio");

        if (spec.cloudInitSeed() != null) {
            // the NoCloud seed: a read-only virtio disk (cloud-init finds it by its CIDATA label on any
            // block device; virtio needs no SATA or SCSI controller, on q35 and aarch64's virt alike)
            Element seed = add(devices, "disk");
            seed.setAttribute("type", "file");
            seed.setAttribute("device", "disk");
            Element seedDriver = add(seed, "driver");
            seedDriver.setAttribute("name", "qemu");
            seedDriver.setAttribute("type", "raw");
            add(seed, "source").setAttribute("file", spec.cloudInitSeed().iso().toString());
            Element seedTarget = add(seed, "target");
            seedTarget.setAttribute("dev", "vdb");
            seedTarget.setAttribute("bus", "virtio");
            add(seed, "readonly");
            text(seed, "serial", "cidata");
        }

        for (DomainSpec.SharedFolder folder : spec.sharedFolders()) {
            // libvirt 9.0 rejects <readonly/> for virtiofs ("does not yet support read-only mode"), and a guest mount
            // option is undone by root in the guest (measured): a read-only folder is served by pb's wrapper, which runs
            // virtiofsd on a read-only bind mount of the folder in a mount namespace of its own
            filesystem(devices, folder, folder.readOnly() ? spec.virtiofsdReadOnly() : spec.virtiofsd());
        }

        if (spec.network().ownAddress()) writeOwnNetwork(devices, spec);

        Element serial = add(devices, "serial");
        serial.setAttribute("type", "pty");
        if (spec.serialLogPath() != null) {
            Element log = add(serial, "log");
            log.setAttribute("file", spec.serialLogPath().toString());
            log.setAttribute("append", "off");
        }
        add(serial, "target").setAttribute("port", "0");
        Element console = add(devices, "console");
        console.setAttribute("type", "pty");
        Element consoleTarget = add(console, "target");
        consoleTarget.setAttribute("type", "serial");
        consoleTarget.setAttribute("port", "0");

        if (spec.tpm()) {
            Element tpm = add(devices, "tpm");
            // tpm-crb on x86_64 (what podman-bootc and bcvk give); aarch64's virt machine takes tpm-tis
            tpm.setAttribute("model", spec.arch() == HostArch.X86_64 ? "tpm-crb" : "tpm-tis");
            Element backend = add(tpm, "backend");
            backend.setAttribute("type", "emulator");
            backend.setAttribute("version", "2.0");
        }

        Element usb = add(devices, "controller");
        usb.setAttribute("type", "usb");
        usb.setAttribute("model", "none");
        Element rng = add(devices, "rng");
        rng.setAttribute("model", "virtio");
        text(rng, "backend", "/dev/urandom").setAttribute("model", "random");
        // Free PCIe slots for the host's storage hot-plugged during an in-place update. A root port takes one device,
        // and libvirt puts the devices it places on the root ports the XML names before it adds any (measured, 9.0):
        // so one port per device written above that libvirt places on PCIe, and FREE_PCIE_PORTS more. The root
        // complex is named first: libvirt gives an unnumbered controller the first free index, and index 0 must be
        // pcie-root on q35 and virt ("The PCI controller with index='0' must be model='pcie-root'").
        int placed = 0;
        for (String device : PCIE_DEVICES) placed += devices.getElementsByTagName(device).getLength();
        Element root = add(devices, "controller");
        root.setAttribute("type", "pci");
        root.setAttribute("index", "0");
        root.setAttribute("model", "pcie-root");
        for (int i = 0; i < placed + FREE_PCIE_PORTS; i++) {
            Element port = add(devices, "controller");
            port.setAttribute("type", "pci");
            port.setAttribute("model", "pcie-root-port");
        }
        add(devices, "memballoon").setAttribute("model", "none");
    }

    /**
     * A NIC on a host bridge or a libvirt network: the guest is a host of that network. Its MAC is made from the
     * domain's name, so a DHCP server gives it the same address on every boot and the domain's XML is the same each time.
     */
    private static void writeOwnNetwork(Element devices, DomainSpec spec) {
        boolean bridge = spec.network() == NetworkMode.bridge;
        Element nic = add(devices, "interface");
        nic.setAttribute("type", bridge ? "bridge" : "network");
        add(nic, "mac").setAttribute("address", mac(spec.name()));
        add(nic, "source").setAttribute(bridge ? "bridge" : "network", spec.networkName());
        add(nic, "model").setAttribute("type", "virtio");
    }

    /** A locally administered address in QEMU's 52:54:00 range, from the domain's name. */
    public static String mac(String domainName) {
        byte[] h;
        try {
            h = java.security.MessageDigest.getInstance("SHA-256").digest(domainName.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return String.format("52:54:00:%02x:%02x:%02x", h[0] & 0xff, h[1] & 0xff, h[2] & 0xff);
    }

    /** libvirt 9.0 has no passt backend, so QEMU's own user networking goes on its command line. */
    private static void writeUserNetwork(Element domain, DomainSpec spec) {
        StringBuilder netdev = new StringBuilder("user,id=n0");
        netdev.append(",hostfwd=tcp:127.0.0.1:").append(spec.sshPort()).append("-:22");
        for (DomainSpec.HostForward f : spec.forwards()) {
            netdev.append(",hostfwd=").append(f.protocol().name()).append(':').append(f.hostIp()).append(':')
                    .append(f.hostPort()).append("-:").append(f.guestPort());
        }
        Document doc = domain.getOwnerDocument();
        Element cmd = doc.createElementNS(QEMU_NS, "qemu:commandline");
        domain.appendChild(cmd);
        for (String arg : new String[] {"-netdev", netdev.toString(), "-device", NIC_DEVICE}) {
            Element a = doc.createElementNS(QEMU_NS, "qemu:arg");
            a.setAttribute("value", arg);
            cmd.appendChild(a);
        }
    }

    /** Our metadata in a domain XML ({@code dumpxml}), empty when the domain is not ours. */
    public static Optional<PbMetadata> readMetadata(String domainXml) {
        return MetadataXml.read(parse(domainXml));
    }

    /** The {@code <uuid>} of a domain XML, or null. */
    public static String readUuid(String domainXml) {
        Element uuid = MetadataXml.firstChild(parse(domainXml).getDocumentElement(), null, "uuid");
        return uuid == null ? null : uuid.getTextContent().trim();
    }

    /** The libvirt network the domain's first {@code <interface type='network'>} is on, or null. */
    public static String readNetworkSource(String domainXml) {
        org.w3c.dom.NodeList nics = parse(domainXml).getElementsByTagName("interface");
        for (int i = 0; i < nics.getLength(); i++) {
            Element nic = (Element) nics.item(i);
            if (!"network".equals(nic.getAttribute("type"))) continue;
            Element source = MetadataXml.firstChild(nic, null, "source");
            if (source != null && !source.getAttribute("network").isEmpty()) return source.getAttribute("network");
        }
        return null;
    }

    // -- DOM plumbing

    private static Element add(Element parent, String name) {
        Element e = parent.getOwnerDocument().createElement(name);
        parent.appendChild(e);
        return e;
    }

    private static Element text(Element parent, String name, String value) {
        Element e = add(parent, name);
        e.setTextContent(value);
        return e;
    }

    static Document parse(String xml) {
        try {
            return BUILDER.get().parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("not a domain XML: " + e.getMessage(), e);
        }
    }

    /**
     * One parser per thread (a DocumentBuilder is not thread-safe), from the JDK's own factory:
     * {@code newInstance()} would search every jar on the class path for another one on each call.
     */
    private static final ThreadLocal<DocumentBuilder> BUILDER = ThreadLocal.withInitial(DomainXml::newBuilder);

    static void filesystem(Element devices, DomainSpec.SharedFolder folder, java.nio.file.Path binary) {
        Element fs = add(devices, "filesystem");
        fs.setAttribute("type", "mount");
        fs.setAttribute("accessmode", "passthrough");
        add(fs, "driver").setAttribute("type", "virtiofs");
        if (binary != null) add(fs, "binary").setAttribute("path", binary.toString());
        add(fs, "source").setAttribute("dir", folder.hostPath().toString());
        add(fs, "target").setAttribute("dir", folder.tag());
    }

    static DocumentBuilder newBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f.newDocumentBuilder();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    static String serialize(Document doc) {
        try {
            TransformerFactory tf = TransformerFactory.newDefaultInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            t.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            StringWriter out = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot serialize domain XML", e);
        }
    }
}
