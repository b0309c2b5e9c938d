package dev.bootc.pb.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;

/**
 * The metadata of a BootcVm, with the fields and meaning of Kubernetes' ObjectMeta that pb uses.
 * Fields a server adds that pb does not use (managedFields, ...) are dropped when read.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "labels", "annotations", "finalizers"})
public class ObjectMeta {
    private String name;
    private String namespace;
    private String uid;
    private String resourceVersion;
    private Long generation;
    private String creationTimestamp;
    private String deletionTimestamp;
    private Long deletionGracePeriodSeconds;
    private Map<String, String> labels;
    private Map<String, String> annotations;
    private List<String> finalizers;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
    public String getUid() { return uid; }
    public void setUid(String uid) { this.uid = uid; }
    public String getResourceVersion() { return resourceVersion; }
    public void setResourceVersion(String resourceVersion) { this.resourceVersion = resourceVersion; }
    public Long getGeneration() { return generation; }
    public void setGeneration(Long generation) { this.generation = generation; }
    public String getCreationTimestamp() { return creationTimestamp; }
    public void setCreationTimestamp(String creationTimestamp) { this.creationTimestamp = creationTimestamp; }
    public String getDeletionTimestamp() { return deletionTimestamp; }
    public void setDeletionTimestamp(String deletionTimestamp) { this.deletionTimestamp = deletionTimestamp; }
    public Long getDeletionGracePeriodSeconds() { return deletionGracePeriodSeconds; }
    public void setDeletionGracePeriodSeconds(Long seconds) { this.deletionGracePeriodSeconds = seconds; }
    public Map<String, String> getLabels() { return labels; }
    public void setLabels(Map<String, String> labels) { this.labels = labels; }
    public Map<String, String> getAnnotations() { return annotations; }
    public void setAnnotations(Map<String, String> annotations) { this.annotations = annotations; }
    public List<String> getFinalizers() { return finalizers; }
    public void setFinalizers(List<String> finalizers) { this.finalizers = finalizers; }
}
