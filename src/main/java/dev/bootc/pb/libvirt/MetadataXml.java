package dev.bootc.pb.libvirt;

import dev.bootc.pb.port.PbMetadata;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** pb's element in a domain's {@code <metadata>} (namespace {@link PbMetadata#NAMESPACE}): written and read back. */
final class MetadataXml {
    private static final String XMLNS_NS = XMLConstants.XMLNS_ATTRIBUTE_NS_URI;
    private static final String NS = PbMetadata.NAMESPACE;
    private static final String P = PbMetadata.PREFIX + ":";

    private MetadataXml() {
    }

    /** Our {@code <metadata>} element for a domain: who owns it, the image, SSH, when it was made, the spec's hash. */
    static Element write(Document doc, PbMetadata m) {
        Element vm = doc.createElementNS(NS, P + PbMetadata.ELEMENT);
        vm.setAttributeNS(XMLNS_NS, "xmlns:" + PbMetadata.PREFIX, NS);
        Element owner = child(vm, "owner");
        owner.setAttribute("namespace", m.ownerNamespace());
        owner.setAttribute("name", m.ownerName());
        attr(owner, "uid", m.ownerUid());
        if (m.image() != null || m.digest() != null) {
            Element image = child(vm, "image");
            attr(image, "digest", m.digest());
            if (m.image() != null) image.setTextContent(m.image());
        }
        if (m.sshPort() != null || m.sshUser() != null || m.sshKeyPath() != null) {
            Element ssh = child(vm, "ssh");
            attr(ssh, "port", m.sshPort() == null ? null : m.sshPort().toString());
            attr(ssh, "user", m.sshUser());
            attr(ssh, "key", m.sshKeyPath());
        }
        if (m.created() != null) child(vm, "created").setTextContent(m.created().toString());
        if (m.specHash() != null) child(vm, "spec").setAttribute("hash", m.specHash());
        return vm;
    }

    /** Our metadata in a domain XML ({@code dumpxml}), empty when the domain is not ours. */
    static Optional<PbMetadata> read(Document domain) {
        Element vm = findMetadataElement(domain);
        if (vm == null) return Optional.empty();
        Element owner = firstChild(vm, "owner");
        if (owner == null || owner.getAttribute("namespace").isEmpty() || owner.getAttribute("name").isEmpty()) {
            return Optional.empty(); // our namespace but not our shape: not a domain we can act for
        }
        Element image = firstChild(vm, "image");
        Element ssh = firstChild(vm, "ssh");
        Element created = firstChild(vm, "created");
        Element spec = firstChild(vm, "spec");
        return Optional.of(new PbMetadata(
                owner.getAttribute("namespace"),
                owner.getAttribute("name"),
                attrOrNull(owner, "uid"),
                image == null || image.getTextContent().isEmpty() ? null : image.getTextContent(),
                attrOrNull(image, "digest"),
                intOrNull(attrOrNull(ssh, "port")),
                attrOrNull(ssh, "user"),
                attrOrNull(ssh, "key"),
                instantOrNull(created == null ? null : created.getTextContent()),
                attrOrNull(spec, "hash")));
    }

    private static Element findMetadataElement(Document doc) {
        Element metadata = firstChild(doc.getDocumentElement(), null, "metadata");
        if (metadata == null) return null;
        return firstChild(metadata, NS, PbMetadata.ELEMENT);
    }

    private static Element child(Element vm, String localName) {
        Element e = vm.getOwnerDocument().createElementNS(NS, P + localName);
        vm.appendChild(e);
        return e;
    }

    private static void attr(Element e, String name, String value) {
        if (value != null) e.setAttribute(name, value);
    }

    private static Element firstChild(Element parent, String localName) {
        return firstChild(parent, NS, localName);
    }

    /** First child element with that local name, in namespace {@code ns} (null: no namespace). */
    static Element firstChild(Element parent, String ns, String localName) {
        if (parent == null) return null;
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            Node n = children.item(i);
            if (n instanceof Element e && localName.equals(e.getLocalName())
                    && (ns == null ? e.getNamespaceURI() == null : ns.equals(e.getNamespaceURI()))) {
                return e;
            }
        }
        return null;
    }

    private static String attrOrNull(Element e, String name) {
        if (e == null || !e.hasAttribute(name)) return null;
        return e.getAttribute(name);
    }

    private static Integer intOrNull(String s) {
        try {
            return s == null ? null : Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Instant instantOrNull(String s) {
        try {
            return s == null || s.isBlank() ? null : Instant.parse(s.trim());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
