package dev.bootc.pb.cli;

import dev.bootc.pb.api.Failure;
import picocli.CommandLine.ITypeConverter;

/** {@code -o yaml|json|jsonpath=TEMPLATE}, as kubectl's {@code -o} takes them. */
record OutputFormat(String kind, JsonPath template) {
    static final OutputFormat YAML = new OutputFormat("yaml", null);

    static OutputFormat parse(String text) {
        if (text.equals("yaml") || text.equals("json")) return new OutputFormat(text, null);
        if (text.startsWith("jsonpath=")) return new OutputFormat("jsonpath", JsonPath.parse(text.substring("jsonpath=".length())));
        throw Failure.InvalidTemplate.with("-o: invalid value \"" + text + "\": use yaml, json or jsonpath=TEMPLATE, like jsonpath='{.status.phase}'");
    }

    /** The value, printed as asked. */
    String render(Object value) {
        return switch (kind) {
            case "json" -> Output.json(value) + "\n";
            case "jsonpath" -> template.render(value);
            default -> Output.yaml(value);
        };
    }

    /** For picocli: a bad value is a usage error naming the option. */
    static final class Converter implements ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            try {
                return parse(value);
            } catch (dev.bootc.pb.api.PbException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
