package dev.bootc.pb.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/** The one serializer of the model (JSON and YAML), shared by stores, CLI and tests. */
public final class Json {
    public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Json() {
    }

    public static <T> T copy(T value, Class<T> type) {
        return SERIALIZATION.clone(value);
    }

    public static JsonNode tree(Object value) {
        return SERIALIZATION.convertValue(value, JsonNode.class);
    }

    public static String yaml(Object value) {
        return SERIALIZATION.asYaml(value);
    }

    public static String json(Object value) {
        return SERIALIZATION.asJson(value);
    }

    public static String prettyJson(Object value) {
        return tree(value).toPrettyString();
    }
}
