package dev.bootc.pb.api;




import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.crdv2.generator.CRDGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates the BootcVm CRD from the model with fabric8's CRD generator (the one QOSDK uses), then
 * adds what the generator cannot express: the DNS-1123 rule on metadata.name, and that spec.cloudInit is
 * a path, a secretRef or inline data.
 */
public final class CrdFiles {
    public static final Path COMMITTED = Path.of("crds", "bootcvms.bootc.dev-v1.yml");
    /** The copy in deploy/, the kustomization's (kustomize reads files of its own folder only). */
    public static final Path DEPLOYED = Path.of("deploy", "bootcvms.bootc.dev-v1.yml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private CrdFiles() {
    }

    /** The CRD as the build generates it, as text. */
    public static String generate() throws IOException {
        Path dir = Files.createTempDirectory("pb-crd");
        try {
            new CRDGenerator().inOutputDir(dir.toFile()).forCRDVersions("v1").customResourceClasses(dev.bootc.pb.store.kube.KubeBootcVm.class).detailedGenerate();
            Path f = dir.resolve("bootcvms.bootc.dev-v1.yml");
            JsonNode crd = YAML.readTree(Files.readString(f));
            ObjectNode schema = (ObjectNode) crd.at("/spec/versions/0/schema/openAPIV3Schema");
            ObjectNode props = (ObjectNode) schema.get("properties");
            ObjectNode name = YAML.createObjectNode()
                    .put("type", "string")
                    .put("maxLength", Validation.NAME_MAX)
                    .put("pattern", Validation.NAME_PATTERN);
            ObjectNode metadata = YAML.createObjectNode().put("type", "object");
            metadata.putObject("properties").set("name", name);
            props.set("metadata", metadata);
            cloudInitIsOneSource((ObjectNode) props.get("spec").get("properties").get("cloudInit"));
            networkNameGoesWithItsNetwork((ObjectNode) props.get("spec"));
            orderPrinterColumns((ObjectNode) crd.at("/spec/versions/0"));
            return YAML.writeValueAsString(crd);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * spec.cloudInit holds a path, a secretRef or inline data: exactly one of them. A oneOf of value
     * validations (only {@code required}, as a structural schema allows), which the API server and
     * any JSON Schema validator evaluate alike.
     */
    private static void cloudInitIsOneSource(ObjectNode cloudInit) {
        var oneOf = cloudInit.putArray("oneOf");
        oneOf.addObject().putArray("required").add("path");
        oneOf.addObject().putArray("required").add("secretRef");
        var anyOf = oneOf.addObject().putArray("anyOf");
        for (String f : new String[] {"userData", "metaData", "networkConfig"}) anyOf.addObject().putArray("required").add(f);
    }

    /**
     * spec.networkName is given with network bridge or libvirt, and only with those: value validations only
     * (enum, required, not), as a structural schema allows in anyOf, so the API server and JSON Schema agree.
     */
    private static void networkNameGoesWithItsNetwork(ObjectNode spec) {
        var anyOf = spec.putArray("anyOf");
        ObjectNode named = anyOf.addObject();
        named.putArray("required").add("network").add("networkName");
        named.putObject("properties").putObject("network").putArray("enum").add("bridge").add("libvirt");
        ObjectNode unnamed = anyOf.addObject();
        unnamed.putObject("not").putArray("required").add("networkName");
        unnamed.putObject("properties").putObject("network").putArray("enum").add("user").add("none");
    }

    /** The OpenAPI schema of the committed CRD. */
    public static JsonNode committedSchema() throws IOException {
        return YAML.readTree(Files.readString(COMMITTED)).at("/spec/versions/0/schema/openAPIV3Schema");
    }

    /** The generator sorts printer columns by name; kubectl shows them in the order of DESIGN.md. */
    private static void orderPrinterColumns(ObjectNode version) {
        var order = java.util.List.of("Image", "Booted", "Phase", "Ready", "SSH", "Node", "Age");
        var cols = new java.util.ArrayList<JsonNode>();
        version.get("additionalPrinterColumns").forEach(cols::add);
        cols.sort(java.util.Comparator.comparingInt(c -> order.indexOf(c.get("name").asText())));
        var arr = version.putArray("additionalPrinterColumns");
        cols.forEach(arr::add);
    }
}
