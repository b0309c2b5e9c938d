package dev.bootc.pb.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed CRD is the generated one, and it carries what DESIGN.md promises. */
class CrdTest {

    @Test
    void committedCrdIsTheGeneratedOne() throws Exception {
        String generated = CrdFiles.generate();
        if (Boolean.getBoolean("pb.crd.update")) {
            Files.createDirectories(CrdFiles.COMMITTED.getParent());
            Files.writeString(CrdFiles.COMMITTED, generated);
            Files.writeString(CrdFiles.DEPLOYED, generated);
        }
        assertTrue(Files.exists(CrdFiles.COMMITTED), "missing " + CrdFiles.COMMITTED + ": run ./mvnw test -Dtest=CrdTest -Dpb.crd.update=true");
        assertEquals(generated, Files.readString(CrdFiles.COMMITTED),
                CrdFiles.COMMITTED + " differs from the model: run ./mvnw test -Dtest=CrdTest -Dpb.crd.update=true and commit it");
        assertEquals(generated, Files.readString(CrdFiles.DEPLOYED),
                CrdFiles.DEPLOYED + " (kustomize takes files from its own folder only) differs from the model: run ./mvnw test -Dtest=CrdTest -Dpb.crd.update=true");
    }

    @Test
    void crdHasStatusPrinterColumnsAndValidation() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode crd = yaml.readTree(Files.readString(CrdFiles.COMMITTED));
        assertEquals("bootc.dev", crd.at("/spec/group").asText());
        assertEquals("Namespaced", crd.at("/spec/scope").asText());
        assertEquals("bvm", crd.at("/spec/names/shortNames/0").asText());
        JsonNode v = crd.at("/spec/versions/0");
        assertEquals("v1alpha1", v.get("name").asText());
        assertTrue(v.at("/subresources/status").isObject(), "status subresource");
        var cols = new java.util.ArrayList<String>();
        v.get("additionalPrinterColumns").forEach(c -> cols.add(c.get("name").asText().toUpperCase()));
        assertEquals(java.util.List.of("IMAGE", "BOOTED", "PHASE", "READY", "SSH", "NODE", "AGE"), cols);
        JsonNode spec = v.at("/schema/openAPIV3Schema/properties/spec");
        assertTrue(spec.get("required").toString().contains("image"));
        assertEquals(Validation.MEMORY_PATTERN, spec.at("/properties/resources/properties/memory/pattern").asText());
        assertEquals(1, spec.at("/properties/resources/properties/cpus/minimum").asInt());
        assertEquals(65535, spec.at("/properties/ports/items/properties/hostPort/maximum").asInt());
        assertEquals("[\"Always\",\"Halted\"]", spec.at("/properties/runStrategy/enum").toString());
        assertEquals("[\"bios\",\"uefi\",\"uefi-secure\"]", sorted(spec.at("/properties/firmware/enum")));
        assertEquals("[\"bridge\",\"libvirt\",\"none\",\"user\"]", sorted(spec.at("/properties/network/enum")));
        assertEquals("[\"btrfs\",\"ext4\",\"xfs\"]", sorted(spec.at("/properties/disk/properties/filesystem/enum")));
        assertEquals("[\"qcow2\",\"raw\"]", sorted(spec.at("/properties/disk/properties/format/enum")));
        assertEquals(Validation.ABSOLUTE_PATH_PATTERN, spec.at("/properties/volumes/items/properties/hostPath/pattern").asText());
        assertEquals(Validation.NAME_PATTERN, v.at("/schema/openAPIV3Schema/properties/metadata/properties/name/pattern").asText());
    }

    private static String sorted(JsonNode arr) {
        var l = new java.util.ArrayList<String>();
        arr.forEach(n -> l.add("\"" + n.asText() + "\""));
        java.util.Collections.sort(l);
        return "[" + String.join(",", l) + "]";
    }
}
