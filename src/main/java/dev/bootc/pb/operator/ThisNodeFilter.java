package dev.bootc.pb.operator;

import dev.bootc.pb.api.BootcVm;
import io.javaoperatorsdk.operator.processing.event.source.filter.GenericFilter;

/** An operator handles only the BootcVms whose spec.nodeName is its node. */
public class ThisNodeFilter implements GenericFilter<BootcVm> {
    @Override
    public boolean accept(BootcVm vm) {
        return vm.getSpec() != null && OperatorSettings.nodeName().equals(vm.getSpec().getNodeName());
    }
}
