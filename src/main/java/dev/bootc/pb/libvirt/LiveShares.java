package dev.bootc.pb.libvirt;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.port.DomainSpec;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;

import java.nio.file.Path;

/**
 * Folders hot-plugged into a running domain and out again (virsh attach-device/detach-device --live): libvirt starts
 * a virtiofsd for the device (pb's read-only wrapper for a read-only folder) and stops it when the device goes. Needs
 * the shared memory backing every domain of pb has. The definition keeps nothing: a restart has no such share.
 */
final class LiveShares {
    /** VIR_DOMAIN_AFFECT_LIVE: a device change of the running domain only. */
    private static final int AFFECT_LIVE = 1;

    private LiveShares() {
    }

    /** One {@code <filesystem>} device, as in the domain's definition, for attach-device and detach-device. */
    static String device(DomainSpec.SharedFolder folder, Path binary) {
        org.w3c.dom.Document doc = DomainXml.newBuilder().newDocument();
        org.w3c.dom.Element devices = (org.w3c.dom.Element) doc.appendChild(doc.createElement("devices"));
        DomainXml.filesystem(devices, folder, binary);
        doc.replaceChild(devices.getFirstChild(), devices);
        return DomainXml.serialize(doc);
    }

    static void attach(LibvirtConnection connection, String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd) {
        if (folder.readOnly() && readOnlyVirtiofsd != null) ReadOnlyVirtiofsd.ensure(readOnlyVirtiofsd, virtiofsd);
        String xml = device(folder, folder.readOnly() ? readOnlyVirtiofsd : virtiofsd);
        connection.call("share " + folder.hostPath() + " with domain " + name, c -> {
            org.libvirt.Domain d;
            try {
                d = c.domainLookupByName(name);
            } catch (LibvirtException e) {
                throw Failure.DomainNotFound.with("no domain '" + name + "': " + e.getMessage());
            }
            d.attachDeviceFlags(xml, AFFECT_LIVE);
            return null;
        });
    }

    static void detach(LibvirtConnection connection, String name, DomainSpec.SharedFolder folder, Path virtiofsd, Path readOnlyVirtiofsd) {
        String xml = device(folder, folder.readOnly() ? readOnlyVirtiofsd : virtiofsd);
        connection.call("unshare " + folder.hostPath() + " from domain " + name, c -> {
            try {
                c.domainLookupByName(name).detachDeviceFlags(xml, AFFECT_LIVE);
            } catch (LibvirtException e) {
                // not there (never plugged, the domain gone or stopped and the device with it): nothing to unplug
                ErrorNumber code = LibvirtConnection.code(e);
                if (code != ErrorNumber.VIR_ERR_DEVICE_MISSING && code != ErrorNumber.VIR_ERR_OPERATION_INVALID
                        && code != ErrorNumber.VIR_ERR_NO_DOMAIN) {
                    throw e;
                }
            }
            return null;
        });
    }
}
