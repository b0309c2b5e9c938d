package dev.bootc.pb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import dev.bootc.pb.cli.JsonPath.Expr;
import dev.bootc.pb.cli.JsonPath.Field;
import dev.bootc.pb.cli.JsonPath.Filter;
import dev.bootc.pb.cli.JsonPath.Index;
import dev.bootc.pb.cli.JsonPath.Part;
import dev.bootc.pb.cli.JsonPath.Range;
import dev.bootc.pb.cli.JsonPath.Recursive;
import dev.bootc.pb.cli.JsonPath.Slice;
import dev.bootc.pb.cli.JsonPath.Step;
import dev.bootc.pb.cli.JsonPath.Text;
import dev.bootc.pb.cli.JsonPath.Union;
import dev.bootc.pb.cli.JsonPath.Wildcard;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Reads a kubectl JSONPath template ({@link JsonPath}) into its parts; a malformed one fails with InvalidTemplate. */
final class JsonPathParser {
    private final String s;
    private int i;

    JsonPathParser(String s) {
        this.s = s;
    }

    List<Part> template() {
        List<Part> top = new ArrayList<>();
        List<List<Part>> stack = new ArrayList<>();
        List<Range> open = new ArrayList<>();
        List<Part> cur = top;
        StringBuilder text = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '{') {
                text.append(c);
                i++;
                continue;
            }
            if (!text.isEmpty()) {
                cur.add(new Text(text.toString()));
                text.setLength(0);
            }
            int close = closingBrace(i);
            String action = s.substring(i + 1, close).trim();
            int at = i;
            i = close + 1;
            if (action.equals("end")) {
                if (open.isEmpty()) throw bad(at, "{end} without {range}");
                Range r = open.remove(open.size() - 1);
                List<Part> parent = stack.remove(stack.size() - 1);
                parent.add(new Range(r.over(), List.copyOf(cur)));
                cur = parent;
            } else if (action.startsWith("range ") || action.equals("range")) {
                Expr over = new JsonPathParser(action.substring(5).trim()).expression(at);
                open.add(new Range(over, List.of()));
                stack.add(cur);
                cur = new ArrayList<>();
            } else if (action.startsWith("\"") || action.startsWith("'")) {
                JsonPathParser p = new JsonPathParser(action);
                String literal = p.quoted();
                if (p.i != action.length()) throw bad(at, "text after the quoted string in {" + action + "}");
                cur.add(new Text(literal));
            } else {
                cur.add(new JsonPathParser(action).expression(at));
            }
        }
        if (!text.isEmpty()) cur.add(new Text(text.toString()));
        if (!open.isEmpty()) throw bad(s.length(), "{range} without {end}");
        return List.copyOf(top);
    }

    /** The '}' closing the '{' at {@code from}, skipping quoted strings and nested brackets. */
    private int closingBrace(int from) {
        int depth = 0;
        for (int k = from + 1; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"' || c == '\'') {
                k = skipQuoted(k);
            } else if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == '}' && depth <= 0) {
                return k;
            }
        }
        throw bad(from, "unclosed {");
    }

    private int skipQuoted(int k) {
        char q = s.charAt(k);
        for (int j = k + 1; j < s.length(); j++) {
            if (s.charAt(j) == '\\') j++;
            else if (s.charAt(j) == q) return j;
        }
        throw bad(k, "unclosed quote");
    }

    Expr expression(int where) {
        skipSpace();
        boolean fromRoot = true;
        if (peek('$')) {
            i++;
        } else if (peek('@')) {
            i++;
            fromRoot = false;
        } else if (peek('.') || peek('[')) {
            fromRoot = false; // relative to the current object: the root, or the element of a range
        } else if (i < s.length()) {
            throw bad(where, "an expression starts with . or [ or $ or @, like {.status.phase}, not \"" + s.substring(i) + "\"");
        }
        List<Step> steps = new ArrayList<>();
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == ')' || c == '=' || c == '!' || c == '<' || c == '>') break;
            if (s.startsWith("..", i)) {
                i += 2;
                steps.add(new Recursive(peek('[') ? bracket(where) : peek('*') ? star() : new Field(name(where))));
            } else if (c == '.') {
                i++;
                if (i >= s.length()) break; // "{.}" is the current object
                steps.add(peek('*') ? star() : peek('[') ? bracket(where) : new Field(name(where)));
            } else if (c == '[') {
                steps.add(bracket(where));
            } else if (steps.isEmpty() && (Character.isLetterOrDigit(c) || c == '_')) {
                steps.add(new Field(name(where)));
            } else {
                throw bad(where, "unexpected '" + c + "' in \"" + s + "\"");
            }
        }
        return new Expr(fromRoot, List.copyOf(steps));
    }

    private Step star() {
        i++;
        return new Wildcard();
    }

    /** A name up to the next unescaped '.' or '[' ({@code \.} keeps a dot, as in bootc\.dev/node). */
    private String name(int where) {
        StringBuilder b = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                b.append(s.charAt(i + 1));
                i += 2;
            } else if (c == '.' || c == '[' || c == ' ' || c == ')' || c == '=' || c == '!' || c == '<' || c == '>') {
                break;
            } else {
                b.append(c);
                i++;
            }
        }
        if (b.isEmpty()) throw bad(where, "a field name is missing in \"" + s + "\"");
        return b.toString();
    }

    private Step bracket(int where) {
        int close = matching(i, where);
        String inner = s.substring(i + 1, close).trim();
        i = close + 1;
        if (inner.equals("*")) return new Wildcard();
        if (inner.startsWith("?")) return filter(inner.substring(1).trim(), where);
        List<String> members = splitTop(inner);
        List<Step> steps = new ArrayList<>();
        for (String m : members) steps.add(member(m.trim(), where));
        return steps.size() == 1 ? steps.get(0) : new Union(List.copyOf(steps));
    }

    private Step member(String m, int where) {
        if (m.isEmpty()) throw bad(where, "empty [] in \"" + s + "\"");
        if (m.startsWith("'") || m.startsWith("\"")) {
            JsonPathParser p = new JsonPathParser(m);
            String key = p.quoted();
            if (p.i != m.length()) throw bad(where, "text after the quoted key in [" + m + "]");
            return new Field(key);
        }
        if (m.contains(":")) {
            String[] f = m.split(":", -1);
            if (f.length > 3) throw bad(where, "a slice is [start:end:step], not [" + m + "]");
            return new Slice(intOrNull(f[0], where), intOrNull(f[1], where), f.length == 3 ? intOrNull(f[2], where) : null);
        }
        if (m.equals("*")) return new Wildcard();
        Integer n = intOrNull(m, where);
        return new Index(n);
    }

    private Step filter(String f, int where) {
        if (!f.startsWith("(") || !f.endsWith(")")) throw bad(where, "a filter is [?(@.field==\"value\")], not [?" + f + "]");
        JsonPathParser p = new JsonPathParser(f.substring(1, f.length() - 1).trim());
        Expr left = p.expression(where);
        p.skipSpace();
        if (p.i >= p.s.length()) return new Filter(left, null, null);
        String op = null;
        for (String o : new String[] {"==", "!=", "<=", ">=", "<", ">"}) {
            if (p.s.startsWith(o, p.i)) {
                op = o;
                p.i += o.length();
                break;
            }
        }
        if (op == null) throw bad(where, "unknown operator in filter \"" + f + "\": use == != < <= > >=");
        p.skipSpace();
        JsonNode right = p.literal(where);
        p.skipSpace();
        if (p.i != p.s.length()) throw bad(where, "text after the value in filter \"" + f + "\"");
        return new Filter(left, op, right);
    }

    private JsonNode literal(int where) {
        if (peek('"') || peek('\'')) return JsonNodeFactory.instance.textNode(quoted());
        int start = i;
        while (i < s.length() && !Character.isWhitespace(s.charAt(i))) i++;
        String word = s.substring(start, i);
        if (word.equals("true") || word.equals("false")) return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(word));
        if (word.equals("null")) return JsonNodeFactory.instance.nullNode();
        try {
            return JsonNodeFactory.instance.numberNode(new BigDecimal(word));
        } catch (NumberFormatException e) {
            throw bad(where, "a filter compares with a quoted string, a number, true, false or null, not " + word);
        }
    }

    /** A quoted string at i, with Go's escapes (\n, \t, \", \\, \'). */
    String quoted() {
        char q = s.charAt(i);
        StringBuilder b = new StringBuilder();
        for (int k = i + 1; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == q) {
                i = k + 1;
                return b.toString();
            }
            if (c == '\\' && k + 1 < s.length()) {
                char e = s.charAt(++k);
                b.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> e;
                });
            } else {
                b.append(c);
            }
        }
        throw bad(i, "unclosed quote in " + s);
    }

    private int matching(int open, int where) {
        int depth = 0;
        for (int k = open; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"' || c == '\'') k = skipQuoted(k);
            else if (c == '[' || c == '(') depth++;
            else if ((c == ']' || c == ')') && --depth == 0) return k;
        }
        throw bad(where, "unclosed [ in \"" + s + "\"");
    }

    private List<String> splitTop(String inner) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int k = 0; k < inner.length(); k++) {
            char c = inner.charAt(k);
            if (c == '"' || c == '\'') {
                char q = c;
                for (k++; k < inner.length() && inner.charAt(k) != q; k++) if (inner.charAt(k) == '\\') k++;
            } else if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(inner.substring(start, k));
                start = k + 1;
            }
        }
        out.add(inner.substring(start));
        return out;
    }

    private Integer intOrNull(String t, int where) {
        String v = t.trim();
        if (v.isEmpty()) return null;
        try {
            return Integer.valueOf(v);
        } catch (NumberFormatException e) {
            throw bad(where, "\"" + v + "\" is not an index");
        }
    }

    private boolean peek(char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    private void skipSpace() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private PbException bad(int at, String why) {
        return Failure.InvalidTemplate.with("jsonpath: " + why + " (at character " + (at + 1) + ")");
    }
}
