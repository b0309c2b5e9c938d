package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** An object of the BootcVm's own namespace, named (Kubernetes' LocalObjectReference, the form of KubeVirt's secretRef). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalObjectReference {
    @Required
    @Pattern(Validation.SUBDOMAIN_PATTERN)
    @Size(max = Validation.SUBDOMAIN_MAX)
    @JsonPropertyDescription("The object's name, in the BootcVm's namespace.")
    private String name;

    public LocalObjectReference() {
    }

    public LocalObjectReference(String name) {
        this.name = name;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
}
