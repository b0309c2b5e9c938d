package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Memory and CPUs of the VM. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Resources {
    @Pattern(Validation.MEMORY_PATTERN)
    @JsonPropertyDescription("Memory, a quantity of at least 128Mi, like 2Gi or 4096Mi.")
    private String memory;

    @Min(1)
    @Max(Validation.MAX_CPUS)
    @JsonPropertyDescription("Number of virtual CPUs.")
    private Integer cpus;

    public Resources() {
    }

    public Resources(String memory, Integer cpus) {
        this.memory = memory;
        this.cpus = cpus;
    }

    public String getMemory() { return memory; }
    public void setMemory(String memory) { this.memory = memory; }
    public Integer getCpus() { return cpus; }
    public void setCpus(Integer cpus) { this.cpus = cpus; }
}
