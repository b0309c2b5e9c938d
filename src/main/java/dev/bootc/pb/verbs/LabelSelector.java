package dev.bootc.pb.verbs;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Validation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A Kubernetes label selector as {@code kubectl get -l} takes it: requirements joined by commas, all
 * of which must hold: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k} (has k), {@code !k} (lacks k),
 * {@code k in (a,b)}, {@code k notin (a,b)}. {@code k!=v} and {@code notin} also match what lacks k.
 */
public final class LabelSelector implements Predicate<Map<String, String>> {
    private final List<Predicate<Map<String, String>>> requirements;
    private final String text;

    private LabelSelector(String text, List<Predicate<Map<String, String>>> requirements) {
        this.text = text;
        this.requirements = requirements;
    }

    /** Matches everything. */
    public static LabelSelector all() {
        return new LabelSelector("", List.of());
    }

    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) return all();
        List<Predicate<Map<String, String>>> reqs = new ArrayList<>();
        for (String part : split(text)) reqs.add(requirement(text, part.trim()));
        return new LabelSelector(text, List.copyOf(reqs));
    }

    @Override
    public boolean test(Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        return requirements.stream().allMatch(r -> r.test(l));
    }

    @Override
    public String toString() {
        return text;
    }

    /** Splits at the commas that are not inside a (set). */
    private static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) {
                out.add(text.substring(start, i));
                start = i + 1;
            }
        }
        out.add(text.substring(start));
        return out;
    }

    private static Predicate<Map<String, String>> requirement(String whole, String r) {
        if (r.isEmpty()) throw bad(whole, "an empty requirement");
        java.util.regex.Matcher set = java.util.regex.Pattern.compile("^(\\S+)\\s+(in|notin)\\s*\\((.*)\\)$").matcher(r);
        if (set.matches()) {
            String key = key(whole, set.group(1));
            Set<String> values = new LinkedHashSet<>();
            for (String v : set.group(3).split(",", -1)) values.add(value(whole, v.trim()));
            return set.group(2).equals("in") ? l -> l.containsKey(key) && values.contains(l.get(key))
                    : l -> !l.containsKey(key) || !values.contains(l.get(key));
        }
        int ne = r.indexOf("!=");
        if (ne > 0) {
            String key = key(whole, r.substring(0, ne).trim());
            String v = value(whole, r.substring(ne + 2).trim());
            return l -> !v.equals(l.get(key));
        }
        int eq = r.indexOf('=');
        if (eq > 0) {
            String key = key(whole, r.substring(0, eq).trim());
            String rest = r.substring(eq + 1);
            String v = value(whole, (rest.startsWith("=") ? rest.substring(1) : rest).trim());
            return l -> v.equals(l.get(key));
        }
        if (r.startsWith("!")) {
            String key = key(whole, r.substring(1).trim());
            return l -> !l.containsKey(key);
        }
        String key = key(whole, r);
        return l -> l.containsKey(key);
    }

    private static String key(String whole, String key) {
        String why = Validation.labelKeyProblem(key);
        if (why != null) throw bad(whole, "\"" + key + "\" is not a label key: " + why);
        return key;
    }

    private static String value(String whole, String value) {
        if (!value.isEmpty() && (value.length() > Validation.LABEL_NAME_MAX || !value.matches(Validation.LABEL_NAME_PATTERN))) {
            throw bad(whole, "\"" + value + "\" is not a label value");
        }
        return value;
    }

    private static RuntimeException bad(String whole, String why) {
        return Failure.InvalidSelector.with("--selector: invalid value \"" + whole + "\": " + why
                + " (like env=dev,tier!=db or 'env in (dev,test)')");
    }
}
