package dev.bootc.pb.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file of the corpus is judged twice, by pb's own validation and by the committed CRD's OpenAPI
 * schema (networknt json-schema-validator), and both verdicts must match the folder it is in.
 * The schema side acts as the API server does: it routes by apiVersion and kind, and rejects unknown
 * fields under spec, as kubectl's default strict field validation does.
 */
class ValidationCorpusTest {
    private static final Path CORPUS = Path.of("src/test/resources/corpus");
    private static Schema schema;

    @BeforeAll
    static void loadSchema() throws Exception {
        ObjectNode s = (ObjectNode) CrdFiles.committedSchema().deepCopy();
        strict((ObjectNode) s.get("properties").get("spec"));
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                .getSchema(new ObjectMapper().writeValueAsString(s), InputFormat.JSON);
    }

    /** Kubernetes prunes or (strict) rejects unknown fields; JSON Schema needs it said. */
    private static void strict(ObjectNode node) {
        if (node.has("properties")) {
            node.put("additionalProperties", false);
            node.get("properties").forEach(p -> strict((ObjectNode) p));
        }
        if (node.has("items")) strict((ObjectNode) node.get("items"));
    }

    @TestFactory
    Stream<DynamicTest> validFilesPassBothJudges() throws Exception {
        return files("valid").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            List<String> schemaErrors = schemaErrors(text);
            assertTrue(schemaErrors.isEmpty(), "CRD schema rejects " + f + ": " + schemaErrors);
            ResourceYaml.parseAll(text, f.toString());
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidFilesFailBothJudges() throws Exception {
        return files("invalid").stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            assertFalse(schemaErrors(text).isEmpty(), "CRD schema accepts " + f);
            PbException e = org.junit.jupiter.api.Assertions.assertThrows(PbException.class,
                    () -> ResourceYaml.parseAll(text, f.getFileName().toString()));
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertEquals(ExitCodes.INVALID, e.exitCode());
        }));
    }

    private static List<String> schemaErrors(String yaml) throws Exception {
        JsonNode doc = new YAMLMapper().readTree(yaml);
        List<String> errors = new ArrayList<>();
        if (!BootcVm.API_VERSION.equals(doc.path("apiVersion").asText()) || !BootcVm.KIND.equals(doc.path("kind").asText())) {
            errors.add("no such resource type: " + doc.path("apiVersion").asText() + " " + doc.path("kind").asText());
            return errors;
        }
        schema.validate(new ObjectMapper().writeValueAsString(doc), InputFormat.JSON).forEach(e -> errors.add(e.toString()));
        doc.path("metadata").path("labels").fields().forEachRemaining(l -> errors.addAll(apiServerLabelErrors(l.getKey(), l.getValue().asText())));
        return errors;
    }

    /**
     * What the API server itself checks of every object's labels, whatever the CRD says (apimachinery's
     * ValidateLabels: a qualified name as the key, a label value as the value); written here from
     * Kubernetes' documented rules, apart from pb's own validation.
     */
    static List<String> apiServerLabelErrors(String key, String value) {
        String name = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
        String subdomain = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
        List<String> errors = new ArrayList<>();
        String[] parts = key.split("/", -1);
        String n = parts[parts.length - 1];
        if (parts.length > 2 || n.length() > 63 || !n.matches(name)
                || (parts.length == 2 && (parts[0].length() > 253 || !parts[0].matches(subdomain)))) {
            errors.add("metadata.labels: invalid key " + key);
        }
        if (value.length() > 63 || !(value.isEmpty() || value.matches(name))) errors.add("metadata.labels: invalid value " + value);
        return errors;
    }

    private static List<Path> files(String folder) throws Exception {
        try (var s = Files.list(CORPUS.resolve(folder))) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertFalse(l.isEmpty());
            return l;
        }
    }
}
