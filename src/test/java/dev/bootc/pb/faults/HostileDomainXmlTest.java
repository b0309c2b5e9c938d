package dev.bootc.pb.faults;

import dev.bootc.pb.api.Firmware;
import dev.bootc.pb.api.NetworkMode;
import dev.bootc.pb.api.Protocol;
import dev.bootc.pb.api.Validation;
import dev.bootc.pb.libvirt.DomainXml;
import dev.bootc.pb.port.Accel;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.HostArch;
import dev.bootc.pb.port.PbMetadata;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Domain XML for hostile values that validation lets through (image references are checked, but host
 * and guest paths of volumes may hold quotes, ampersands, angle brackets, "]]>", "$(...)", commas and
 * "../"): it stays well-formed, and means what a benign spec of the same shape means: the same
 * elements and attributes, the same QEMU arguments, each hostile value only as the text of the one
 * place it belongs.
 */
class HostileDomainXmlTest {
    static final List<String> PIECES = List.of("<", ">", "&", "\"", "'", "]]>", "<!--", "-->", "<x/>", "&amp;", "&#0;", "$(id)", "`id`", ";",
            "|", ",", "=", "../", "..", " ", "%s", "\\", "é", "\uD83D\uDE00", "<qemu:arg value='-S'/>", "</source><source dir='/etc'/>");

    @Provide
    Arbitrary<String> hostilePath() {
        Arbitrary<String> piece = Arbitraries.oneOf(Arbitraries.of(PIECES), Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(5));
        return piece.list().ofMinSize(1).ofMaxSize(6).map(l -> "/" + String.join("", l))
                .filter(p -> p.matches(Validation.ABSOLUTE_PATH_PATTERN));
    }

    static DomainSpec spec(String hostPath, String guestPath, String image) {
        PbMetadata meta = new PbMetadata("default", "web", "uid", image, "sha256:0123", 20022, "root", "/var/lib/pb/vms/default/web/id_ed25519",
                Instant.parse("2026-11-25T18:00:00Z"), "0123456789abcdef");
        return DomainSpec.builder("default_web")
                .memoryMiB(1024).vcpus(2).accel(Accel.TCG).arch(HostArch.X86_64).firmware(Firmware.uefi)
                .nvramPath(Path.of("/var/lib/libvirt/images/pb/vms/default_web_VARS.fd"))
                .diskPath(Path.of("/var/lib/libvirt/images/pb/vms/default_web.qcow2"))
                .serialLogPath(Path.of("/var/lib/pb/vms/default/web/serial.log"))
                .smbiosString("io.systemd.credential.binary:tmpfiles.extra=ZCAvcm9vdC8uc3NoIDA3MDA=")
                .network(NetworkMode.user).sshPort(20022)
                .forward(new DomainSpec.HostForward(Protocol.tcp, "127.0.0.1", 8080, 80))
                .sharedFolder(Path.of(hostPath), guestPath, true)
                .virtiofsd(Path.of("/usr/libexec/virtiofsd"))
                .virtiofsdReadOnly(Path.of("/var/lib/pb/libexec/virtiofsd-ro"))
                .metadata(meta)
                .build();
    }

    @Property(tries = 300)
    void hostileVolumePathsAndImagesStayTextInTheirPlace(@ForAll("hostilePath") String hostPath, @ForAll("hostilePath") String guestPath) throws Exception {
        String image = "quay.io/fedora/fedora-bootc:42";
        String hostileXml = DomainXml.write(spec(hostPath, guestPath, image));
        String benignXml = DomainXml.write(spec("/srv/data", "/mnt/data", image));
        Document hostile = parse(hostileXml);
        Document benign = parse(benignXml);
        assertEquals(shape(benign.getDocumentElement(), ""), shape(hostile.getDocumentElement(), ""), "the same elements and attributes");
        assertEquals(qemuArgs(benign), qemuArgs(hostile), "the same QEMU command line");
        Element fs = (Element) hostile.getElementsByTagName("filesystem").item(0);
        assertEquals(1, hostile.getElementsByTagName("filesystem").getLength());
        assertEquals(Path.of(hostPath).toString(), ((Element) fs.getElementsByTagName("source").item(0)).getAttribute("dir"), "host path, verbatim, as the one source");
        assertEquals("pb-vol0", ((Element) fs.getElementsByTagName("target").item(0)).getAttribute("dir"));
        assertEquals(image, DomainXml.readMetadata(hostileXml).orElseThrow().image());
        assertFalse(hostileXml.contains("<!DOCTYPE"), "no DTD");
        assertTrue(hostileXml.contains("<name>default_web</name>"));
    }

    /** The image of the metadata: only validated references get there, yet the XML must hold any text. */
    @Property(tries = 200)
    void anyTextInTheMetadataComesBackVerbatim(@ForAll("hostilePath") String text) throws Exception {
        String xml = DomainXml.write(spec("/srv/data", "/mnt/data", text));
        parse(xml);
        assertEquals(text, DomainXml.readMetadata(xml).orElseThrow().image());
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    /** Element paths with their attribute names, in document order: the structure, without the values. */
    static List<String> shape(Element e, String parent) {
        List<String> out = new ArrayList<>();
        String path = parent + "/" + e.getNodeName();
        StringBuilder attrs = new StringBuilder();
        NamedNodeMap a = e.getAttributes();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < a.getLength(); i++) names.add(a.item(i).getNodeName());
        names.sort(null);
        attrs.append(names);
        out.add(path + attrs);
        NodeList kids = e.getChildNodes();
        for (int i = 0; i < kids.getLength(); i++) {
            Node k = kids.item(i);
            if (k.getNodeType() == Node.ELEMENT_NODE) out.addAll(shape((Element) k, path));
            if (k.getNodeType() == Node.COMMENT_NODE || k.getNodeType() == Node.CDATA_SECTION_NODE || k.getNodeType() == Node.PROCESSING_INSTRUCTION_NODE) {
                out.add(path + "#" + k.getNodeType());
            }
        }
        return out;
    }

    static List<String> qemuArgs(Document d) {
        List<String> out = new ArrayList<>();
        NodeList args = d.getElementsByTagNameNS(DomainXml.QEMU_NS, "arg");
        for (int i = 0; i < args.getLength(); i++) out.add(((Element) args.item(i)).getAttribute("value"));
        return out;
    }
}
