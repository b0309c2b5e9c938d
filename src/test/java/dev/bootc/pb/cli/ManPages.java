package dev.bootc.pb.cli;

import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes pb's man pages at build time ({@code ./mvnw package} → target/man/pb.1, pb-run.1, ...):
 * picocli-codegen's ManPageGenerator writes each command's page from the picocli model as AsciiDoc
 * (its only output), and this turns that small, fixed AsciiDoc subset into man(7) roff, so no
 * Asciidoctor (JRuby) is needed in the build.
 */
public final class ManPages {
    private ManPages() {
    }

    /** {@code ManPages OUTDIR}: one page per command and subcommand (aliases share their command's page). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target/man");
        Files.createDirectories(out);
        for (Map.Entry<String, String> page : pages().entrySet()) {
            Files.writeString(out.resolve(page.getKey() + ".1"), page.getValue(), StandardCharsets.UTF_8);
        }
    }

    /** Page name (pb, pb-run, pb-cache-list, ...) to roff. */
    static Map<String, String> pages() {
        Map<String, String> out = new java.util.TreeMap<>();
        CommandLine top = Cli.commandLine(o -> null);
        collect(top, out, new IdentityHashMap<>());
        return out;
    }

    private static void collect(CommandLine c, Map<String, String> out, IdentityHashMap<Object, Boolean> seen) {
        if (seen.put(c.getCommandSpec(), true) != null) return;
        String name = c.getCommandSpec().qualifiedName("-");
        StringWriter adoc = new StringWriter();
        ManPageGenerator.writeSingleManPage(new PrintWriter(adoc), c.getCommandSpec());
        List<String> seeAlso = new ArrayList<>();
        if (c.getParent() != null) seeAlso.add(c.getParent().getCommandSpec().qualifiedName("-"));
        for (CommandLine sub : new java.util.LinkedHashSet<>(c.getSubcommands().values())) seeAlso.add(sub.getCommandSpec().qualifiedName("-"));
        out.put(name, roff(adoc.toString(), seeAlso));
        for (CommandLine sub : c.getSubcommands().values()) collect(sub, out, seen);
    }

    private static final Pattern TITLE = Pattern.compile("^= (\\S+)\\((\\d)\\)$");
    private static final Pattern XREF = Pattern.compile("xref:([^\\[]+)\\.adoc\\[([^\\]]*)]");

    /** picocli's man-page AsciiDoc as man(7) roff. */
    static String roff(String adoc, List<String> seeAlso) {
        Map<String, String> attrs = new java.util.HashMap<>();
        StringBuilder r = new StringBuilder();
        String section = "";
        boolean hardbreaks = false;
        boolean inParagraph = false;
        for (String line : adoc.split("\n", -1)) {
            if (line.startsWith("//")) continue;
            if (line.startsWith(":") && line.indexOf(':', 1) > 0) {
                int end = line.indexOf(':', 1);
                attrs.put(line.substring(1, end), line.substring(end + 1).strip());
                continue;
            }
            Matcher title = TITLE.matcher(line);
            if (title.matches()) {
                r.append(".TH \"").append(title.group(1).toUpperCase(Locale.ROOT)).append("\" \"").append(title.group(2))
                        .append("\" \"\" \"").append(attrs.getOrDefault("mansource", "")).append("\" \"")
                        .append(attrs.getOrDefault("manmanual", "")).append("\"\n");
                continue;
            }
            if (line.startsWith("== ")) {
                if (hardbreaks || section.equals("SYNOPSIS")) r.append(".fi\n");
                hardbreaks = false;
                inParagraph = false;
                section = line.substring(3).strip().toUpperCase(Locale.ROOT);
                r.append(".SH ").append(section).append('\n');
                if (section.equals("SYNOPSIS")) r.append(".nf\n");
                continue;
            }
            if (line.equals("[%hardbreaks]")) {
                hardbreaks = true;
                r.append(".nf\n");
                continue;
            }
            if (line.isBlank()) {
                if (hardbreaks && inParagraph) {
                    r.append(".fi\n");
                    hardbreaks = false;
                }
                inParagraph = false;
                continue;
            }
            if (line.endsWith("::") && !line.startsWith(" ")) {
                r.append(".TP\n").append(inline(line.substring(0, line.length() - 2))).append('\n');
                inParagraph = true;
                continue;
            }
            if (!inParagraph && !hardbreaks && !section.equals("SYNOPSIS") && !r.toString().endsWith(".TP\n")) r.append(".PP\n");
            inParagraph = true;
            String text = hardbreaks || section.equals("SYNOPSIS") ? line : line.strip();
            r.append(inline(text)).append('\n');
        }
        if (hardbreaks) r.append(".fi\n");
        if (!seeAlso.isEmpty()) {
            r.append(".SH SEE ALSO\n");
            List<String> refs = new ArrayList<>();
            for (String s : seeAlso) refs.add("\\fB" + escape(s) + "\\fR(1)");
            r.append(String.join(", ", refs)).append('\n');
        }
        return r.toString();
    }

    /** Inline AsciiDoc: *bold*, _italic_ (constrained: not inside words), xrefs; roff escapes. */
    static String inline(String text) {
        String t = XREF.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(2)));
        t = escape(t);
        t = t.replaceAll("(?<![\\w*])\\*([^*\\s](?:[^*]*[^*\\s])?)\\*(?![\\w*])", "\\\\fB$1\\\\fR");
        t = t.replaceAll("(?<![\\w])_([^_\\s](?:[^_]*[^_\\s])?)_(?![\\w])", "\\\\fI$1\\\\fR");
        if (t.startsWith(".") || t.startsWith("'")) t = "\\&" + t;
        return t;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\e").replace("-", "\\-");
    }
}
