package dev.bootc.pb.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads BootcVm documents as a person writes them (one or many YAML or JSON documents) and rejects,
 * with one line naming the field and value, anything the API server would reject: a wrong
 * apiVersion or kind, an unknown field (kubectl's strict field validation), a wrong type, a rule of
 * {@link Validation}.
 */
public final class ResourceYaml {
    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory());

    private ResourceYaml() {
    }

    /** Every document of the text, validated. Empty documents are skipped. */
    public static List<BootcVm> parseAll(String text, String source) {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(text)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n != null && !n.isNull() && !(n.isObject() && n.isEmpty())) docs.add(n);
            }
        } catch (IOException | RuntimeException e) {
            throw Failure.Invalid.with(source + ": malformed YAML: " + yamlProblem(e));
        }
        if (docs.isEmpty()) throw Failure.Invalid.with(source + ": no BootcVm document found");
        List<BootcVm> out = new ArrayList<>();
        for (JsonNode doc : docs) out.add(fromTree(doc, source));
        return out;
    }

    /** One document, validated. */
    public static BootcVm fromTree(JsonNode doc, String source) {
        if (!doc.isObject()) {
            throw Failure.Invalid.with(source + ": a BootcVm document must be a mapping, not " + doc.getNodeType().toString().toLowerCase());
        }
        String apiVersion = doc.path("apiVersion").asText(null);
        String kind = doc.path("kind").asText(null);
        if (apiVersion == null) throw Failure.Invalid.with(source + ": apiVersion: missing: must be " + BootcVm.API_VERSION);
        if (!BootcVm.API_VERSION.equals(apiVersion)) {
            throw Failure.Invalid.with(source + ": apiVersion: invalid value " + Validation.quote(apiVersion) + ": must be " + BootcVm.API_VERSION);
        }
        if (kind == null) throw Failure.Invalid.with(source + ": kind: missing: must be " + BootcVm.KIND);
        if (!BootcVm.KIND.equals(kind)) {
            throw Failure.Invalid.with(source + ": kind: invalid value " + Validation.quote(kind) + ": must be " + BootcVm.KIND);
        }
        BootcVm vm;
        try {
            JsonNode spec = doc.get("spec");
            if (spec != null) strictMapper().treeToValue(spec, BootcVmSpec.class);
            vm = Json.fromTree(doc, BootcVm.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw Failure.Invalid.with(source + ": " + fieldProblem(e, doc));
        }
        List<Validation.Problem> problems = Validation.problems(vm);
        if (!problems.isEmpty()) {
            throw Failure.Invalid.with(source + ": " + problems.get(0));
        }
        return vm;
    }

    private static ObjectMapper strictMapper() {
        return Holder.MAPPER;
    }

    private static final class Holder {
        static final ObjectMapper MAPPER = strict();

        private static ObjectMapper strict() {
            ObjectMapper m = new ObjectMapper()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .configure(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
            // "" or "  " for a number or an enum is a wrong value, not an absent one (the CRD's types say so too)
            m.coercionConfigDefaults().setAcceptBlankAsEmpty(false)
                    .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.EmptyString, com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
            return m;
        }
    }

    private static String fieldProblem(Throwable t, JsonNode doc) {
        Throwable e = t instanceof IllegalArgumentException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof JsonMappingException jme) {
            String path = "spec" + jme.getPath().stream()
                    .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining());
            if (e instanceof UnrecognizedPropertyException u) {
                return path + ": unknown field " + Validation.quote(u.getPropertyName()) + ": remove it or check its spelling";
            }
            if (e instanceof InvalidFormatException ife) {
                Class<?> target = ife.getTargetType();
                // the value as written: Jackson trims an enum's text (control characters too) before it reports it
                JsonNode written = doc.at(pointer(jme));
                Object value = written.isValueNode() ? written.asText() : ife.getValue();
                if (target != null && target.isEnum()) {
                    String allowed = Arrays.stream(target.getEnumConstants()).map(Object::toString).collect(Collectors.joining(", "));
                    return path + ": invalid value " + Validation.quote(String.valueOf(value)) + ": must be one of " + allowed;
                }
                return path + ": invalid value " + Validation.quote(String.valueOf(value)) + ": must be " + describe(target);
            }
            if (e instanceof MismatchedInputException mie) {
                JsonNode written = doc.at(pointer(jme));
                if (written.isValueNode()) {
                    return path + ": invalid value " + Validation.quote(written.asText()) + ": must be " + describe(mie.getTargetType());
                }
                return path + ": wrong type: must be " + describe(mie.getTargetType());
            }
            return path + ": " + firstLine(jme.getOriginalMessage());
        }
        return firstLine(e.getMessage());
    }

    /** Where in the document a mapping error is (under spec, which is what is mapped strictly). */
    private static String pointer(JsonMappingException e) {
        return "/spec" + e.getPath().stream()
                .map(r -> "/" + (r.getFieldName() != null ? r.getFieldName().replace("~", "~0").replace("/", "~1") : String.valueOf(r.getIndex())))
                .collect(Collectors.joining());
    }

    private static String describe(Class<?> type) {
        if (type == null) return "another type";
        if (type == Integer.class || type == int.class || type == Long.class) return "an integer";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (type == String.class) return "a string";
        if (List.class.isAssignableFrom(type)) return "a list";
        return "a mapping";
    }

    private static String yamlProblem(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return firstLine(m).trim();
    }

    private static String firstLine(String m) {
        if (m == null) return "";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
