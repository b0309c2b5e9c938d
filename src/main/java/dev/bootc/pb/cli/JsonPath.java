package dev.bootc.pb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * kubectl's JSONPath templates ({@code -o jsonpath=...}), as client-go's jsonpath package reads them:
 * text with {@code {expressions}}; {@code $} or {@code @} (optional) for the root or current object;
 * {@code .name}, {@code ['name']}, {@code name\.with\.dots}; {@code ..name} (recursive descent);
 * {@code *}; {@code [i]}, negative indices, {@code [start:end:step]}; unions {@code [0,2]},
 * {@code ['a','b']}; filters {@code [?(@.type=="Ready")]} with {@code == != < <= > >=} or bare
 * existence; {@code {range EXPR}...{end}}; quoted text {@code {"\n"}}. As kubectl does: a missing key
 * prints nothing, several results of one expression are joined by a space, and objects and arrays
 * print as JSON.
 */
final class JsonPath {
    private final List<Part> parts;

    private JsonPath(List<Part> parts) {
        this.parts = parts;
    }

    /** Parses a template; a malformed one fails with InvalidTemplate (exit 2) saying where. */
    static JsonPath parse(String template) {
        return new JsonPath(new JsonPathParser(template).template());
    }

    /** The template applied to {@code value} (any object Jackson can turn into JSON). */
    String render(Object value) {
        JsonNode root = value instanceof JsonNode n ? n : Json.tree(value);
        StringBuilder out = new StringBuilder();
        write(parts, root, root, out);
        return out.toString();
    }

    // ---- the model

    sealed interface Part permits Text, Expr, Range {
    }

    record Text(String text) implements Part {
    }

    /** A path: steps from the root ($) or the current object (@ or a leading dot, inside a range). */
    record Expr(boolean fromRoot, List<Step> steps) implements Part {
    }

    record Range(Expr over, List<Part> body) implements Part {
    }

    sealed interface Step permits Field, Recursive, Wildcard, Index, Slice, Union, Filter {
    }

    record Field(String name) implements Step {
    }

    record Recursive(Step then) implements Step {
    }

    record Wildcard() implements Step {
    }

    record Index(int index) implements Step {
    }

    record Slice(Integer start, Integer end, Integer step) implements Step {
    }

    record Union(List<Step> members) implements Step {
    }

    /** {@code [?(@.path OP literal)]}, or {@code [?(@.path)]} when op is null. */
    record Filter(Expr left, String op, JsonNode right) implements Step {
    }

    // ---- evaluation

    private static void write(List<Part> parts, JsonNode root, JsonNode current, StringBuilder out) {
        for (Part p : parts) {
            if (p instanceof Text t) {
                out.append(t.text());
            } else if (p instanceof Expr e) {
                List<String> texts = new ArrayList<>();
                for (JsonNode n : eval(e, root, current)) {
                    if (!n.isNull() && !n.isMissingNode()) texts.add(text(n));
                }
                out.append(String.join(" ", texts));
            } else if (p instanceof Range r) {
                List<JsonNode> items = eval(r.over(), root, current);
                // as kubectl: ranging over one array ranges over its elements
                if (items.size() == 1 && items.get(0).isArray()) {
                    List<JsonNode> elements = new ArrayList<>();
                    items.get(0).forEach(elements::add);
                    items = elements;
                }
                for (JsonNode item : items) write(r.body(), root, item, out);
            }
        }
    }

    static String text(JsonNode n) {
        if (n.isTextual()) return n.asText();
        if (n.isContainerNode()) return n.toString();
        return n.asText();
    }

    private static List<JsonNode> eval(Expr e, JsonNode root, JsonNode current) {
        List<JsonNode> nodes = List.of(e.fromRoot() ? root : current);
        for (Step s : e.steps()) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : nodes) apply(s, n, root, next);
            nodes = next;
        }
        return nodes;
    }

    private static void apply(Step s, JsonNode n, JsonNode root, List<JsonNode> out) {
        if (s instanceof Field f) {
            JsonNode v = n.isObject() ? n.get(f.name()) : null;
            if (v != null) out.add(v);
        } else if (s instanceof Wildcard) {
            if (n.isContainerNode()) n.forEach(out::add);
        } else if (s instanceof Index i) {
            if (n.isArray()) {
                int at = i.index() < 0 ? n.size() + i.index() : i.index();
                if (at >= 0 && at < n.size()) out.add(n.get(at));
            }
        } else if (s instanceof Slice sl) {
            if (!n.isArray()) return;
            int size = n.size();
            int step = sl.step() == null ? 1 : sl.step();
            if (step <= 0) throw Failure.InvalidTemplate.with("jsonpath: a slice's step must be positive, not " + step);
            int start = clamp(sl.start() == null ? 0 : sl.start(), size);
            int end = clamp(sl.end() == null ? size : sl.end(), size);
            for (int k = start; k < end; k += step) out.add(n.get(k));
        } else if (s instanceof Union u) {
            for (Step m : u.members()) apply(m, n, root, out);
        } else if (s instanceof Recursive r) {
            descend(n, node -> apply(r.then(), node, root, out));
        } else if (s instanceof Filter f) {
            if (!n.isContainerNode()) return;
            for (JsonNode item : n) if (matches(f, item, root)) out.add(item);
        }
    }

    private static int clamp(int i, int size) {
        int v = i < 0 ? size + i : i;
        return Math.max(0, Math.min(size, v));
    }

    private static void descend(JsonNode n, java.util.function.Consumer<JsonNode> visit) {
        visit.accept(n);
        if (n.isContainerNode()) for (JsonNode c : n) descend(c, visit);
    }

    private static boolean matches(Filter f, JsonNode item, JsonNode root) {
        List<JsonNode> left = eval(f.left(), root, item);
        if (f.op() == null) return !left.isEmpty() && !left.get(0).isNull();
        if (left.isEmpty()) return f.op().equals("!=");
        JsonNode l = left.get(0);
        int cmp;
        if (l.isNumber() && f.right().isNumber()) {
            cmp = new BigDecimal(l.asText()).compareTo(new BigDecimal(f.right().asText()));
        } else if (l.isValueNode() && f.right().isValueNode()) {
            cmp = text(l).compareTo(text(f.right()));
        } else {
            cmp = l.equals(f.right()) ? 0 : 1;
        }
        return switch (f.op()) {
            case "==" -> cmp == 0;
            case "!=" -> cmp != 0;
            case "<" -> cmp < 0;
            case "<=" -> cmp <= 0;
            case ">" -> cmp > 0;
            default -> cmp >= 0;
        };
    }
}
