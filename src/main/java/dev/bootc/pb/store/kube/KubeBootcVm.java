package dev.bootc.pb.store.kube;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.BootcVmStatus;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The BootcVm as fabric8 and the Java Operator SDK handle it: the same spec and status classes as
 * the model, in fabric8's CustomResource frame. It lives at the cluster's edge only; the CRD is
 * generated from it. {@link KubeVmStore#toModel} and {@link KubeVmStore#toKube} convert.
 */
@Group(BootcVm.GROUP)
@Version(BootcVm.VERSION)
@Kind(BootcVm.KIND)
@Plural(BootcVm.PLURAL)
@Singular("bootcvm")
@ShortNames("bvm")
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.image", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Booted", jsonPath = ".status.imageDigest", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "SSH", jsonPath = ".status.sshPort", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class KubeBootcVm extends CustomResource<BootcVmSpec, BootcVmStatus> implements Namespaced {

    @Override
    protected BootcVmSpec initSpec() {
        return new BootcVmSpec();
    }

    @Override
    protected BootcVmStatus initStatus() {
        return null;
    }
}
