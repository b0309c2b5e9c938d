package dev.bootc.pb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kubectl's JSONPath, on the example of Kubernetes' own JSONPath documentation and pb's edge cases. */
class JsonPathTest {
    static final JsonNode DOC = read("""
            {"kind": "List",
             "items": [
               {"kind": "None", "metadata": {"name": "127.0.0.1", "labels": {"bootc.dev/node": "h1", "env": "dev"}},
                "status": {"capacity": {"cpu": "4"}, "ready": true, "count": 3,
                           "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
               {"kind": "None", "metadata": {"name": "127.0.0.2"},
                "status": {"capacity": {"cpu": "8"}, "ready": false, "count": 10,
                           "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"}, {"type": "another", "address": "127.0.0.3"}]}}],
             "users": [{"name": "myself", "user": {}}, {"name": "e2e", "user": {"username": "admin", "password": "secret"}}],
             "nothing": null, "empty": [], "text": "a b"}
            """);

    static JsonNode read(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String render(String template) {
        return JsonPath.parse(template).render(DOC);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            // the table of kubernetes.io's JSONPath page
            "kind is {.kind}|kind is List",
            "{['kind']}|List",
            "{$.kind}|List",
            "{..name}|127.0.0.1 127.0.0.2 myself e2e",
            "{.items[*].metadata.name}|127.0.0.1 127.0.0.2",
            "{.users[0].name}|myself",
            "{.items[*]['metadata.name', 'status.capacity']}|`` ",
            "{.users[?(@.name==\"e2e\")].user.password}|secret",
            "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}|`[127.0.0.1, {\"cpu\":\"4\"}] [127.0.0.2, {\"cpu\":\"8\"}] `",
            "{.users[-1].name}|e2e",
            "{.users[-2].name}|myself",
            "{.users[5].name}|``",
            "{.items[0:1].metadata.name}|127.0.0.1",
            "{.items[:].metadata.name}|127.0.0.1 127.0.0.2",
            "{.items[::2].metadata.name}|127.0.0.1",
            "{.items[-1:].metadata.name}|127.0.0.2",
            "{.users[0,1].name}|myself e2e",
            "{.items[0].metadata['name','kind']}|127.0.0.1",
            "{.items[0]['kind','metadata'].name}|127.0.0.1",
            // pb's edge cases
            "{.items[0].metadata.labels.bootc\\.dev/node}|h1",
            "{.items[0].metadata.labels['bootc.dev/node']}|h1",
            "{.items[0].metadata.labels[\"bootc.dev/node\"]}|h1",
            "{.no.such.path}|``",
            "before{.missing}after|beforeafter",
            "{.nothing}|``",
            "{.empty}|[]",
            "{.empty[*]}|``",
            "{.text}|a b",
            "{.items[0].status.ready}|true",
            "{.items[?(@.status.ready==true)].metadata.name}|127.0.0.1",
            "{.items[?(@.status.count>5)].metadata.name}|127.0.0.2",
            "{.items[?(@.status.count<=3)].metadata.name}|127.0.0.1",
            "{.items[?(@.metadata.labels)].metadata.name}|127.0.0.1",
            "{.items[?(@.metadata.name!='127.0.0.1')].metadata.name}|127.0.0.2",
            "{.items[*].status.addresses[?(@.type==\"another\")].address}|127.0.0.3",
            "{.users[1].user}|`{\"username\":\"admin\",\"password\":\"secret\"}`",
            "{\"{\"}{.kind}{'}'}|{List}",
            "{\"a\\tb\"}|a\tb",
            "{range .users[*]}{.name}{\"\\n\"}{end}|`myself\ne2e\n`",
            "{range .items[*]}{range .status.addresses[*]}{.address},{end};{end}|`127.0.0.1,;127.0.0.2,127.0.0.3,;`",
            "{range .users}{.name} {end}|`myself e2e `",
            "{.kind} {.users[0].name}|List myself",
            "{@.kind}|List",
            "no braces at all|no braces at all",
    })
    void rendersAsKubectlDoes(String template, String expected) {
        assertEquals(expected == null ? "" : expected, render(template));
    }

    @Test
    void theWholeObjectIsJson() {
        assertEquals(DOC.get("users").toString(), render("{.users}"));
        assertEquals(DOC.toString(), render("{$}"));
        assertEquals(DOC.toString(), render("{@}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{.kind|unclosed {",
            "{range .items[*]}{.kind}|{range} without {end}",
            "{.kind}{end}|{end} without {range}",
            "{.items[}|unclosed",
            "{.items[x]}|\"x\" is not an index",
            "{kind}|an expression starts with",
            "{.items[?(@.a ~ 1)]}|unknown operator",
            "{.items[?(@.a == bare)]}|a filter compares with",
            "{.items[::0]}|step must be positive",
            "{\"open}|unclosed quote",
    })
    void malformedTemplatesAreInvalidInputSayingWhy(String template, String why) {
        PbException e = assertThrows(PbException.class, () -> render(template));
        assertEquals(Failure.InvalidTemplate, e.failure());
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().startsWith("jsonpath: "), e.getMessage());
    }
}
