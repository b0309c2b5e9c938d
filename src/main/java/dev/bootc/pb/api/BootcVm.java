package dev.bootc.pb.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A bootable container image run as a persistent virtual machine: the one model of the resource. */
@Group(BootcVm.GROUP)
@Version(BootcVm.VERSION)
@Kind(BootcVm.KIND)
@Plural("bootcvms")
@Singular("bootcvm")
@ShortNames("bvm")
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.image", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "SSH", jsonPath = ".status.sshPort", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class BootcVm extends CustomResource<BootcVmSpec, BootcVmStatus> implements Namespaced {
    public static final String GROUP = "bootc.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "BootcVm";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String FINALIZER = "bootc.dev/cleanup";

    public BootcVm() {
    }

    public BootcVm(String namespace, String name, BootcVmSpec spec) {
        getMetadata().setNamespace(namespace);
        getMetadata().setName(name);
        setSpec(spec);
    }

    @Override
    protected BootcVmSpec initSpec() {
        return new BootcVmSpec();
    }

    @Override
    protected BootcVmStatus initStatus() {
        return null;
    }

    /** namespace/name, the key used in messages and maps. */
    public String key() {
        return getMetadata().getNamespace() + "/" + getMetadata().getName();
    }
}
