package dev.bootc.pb.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only the invoked verb's model is built; help, completion and mistyped verbs still see them all. */
class LazyVerbsTest {

    @Test
    void theVerbIsFoundPastGlobalOptionsAndTheirValues() {
        assertEquals(ListCommand.class, Cli.invokedVerb(new String[]{"list"}));
        assertEquals(ListCommand.class, Cli.invokedVerb(new String[]{"--store", "kube", "-n", "run", "list", "-a"}));
        assertEquals(ListCommand.class, Cli.invokedVerb(new String[]{"--store=kube", "-v", "list"}));
        assertEquals(RunCommand.class, Cli.invokedVerb(new String[]{"-c", "test:///default", "run", "quay.io/x/y", "ls"}));
        assertEquals(RmCommand.class, Cli.invokedVerb(new String[]{"rm", "-f", "vm"}));
    }

    @Test
    void helpCompletionAndUnknownVerbsGetEveryVerb() {
        assertNull(Cli.invokedVerb(new String[]{}));
        assertNull(Cli.invokedVerb(new String[]{"help", "run"}));
        assertNull(Cli.invokedVerb(new String[]{"completion", "bash"}));
        assertNull(Cli.invokedVerb(new String[]{"lsit"}));
        assertNull(Cli.invokedVerb(new String[]{"--help"}));
        var all = Cli.commandLine(o -> null, new String[]{"--help"});
        assertEquals(PbCommand.VERBS.size(), all.getSubcommands().values().stream().distinct().count());
        var one = Cli.commandLine(o -> null, new String[]{"list"});
        assertTrue(one.getSubcommands().containsKey("list"));
        assertEquals(1, one.getSubcommands().values().stream().distinct().count());
    }

    @Test
    void theNameTableIsWhatTheAnnotationsSay() {
        java.util.Map<String, Class<?>> fromAnnotations = new java.util.HashMap<>();
        for (Class<?> verb : PbCommand.VERBS) {
            picocli.CommandLine.Command c = verb.getAnnotation(picocli.CommandLine.Command.class);
            fromAnnotations.put(c.name(), verb);
            for (String alias : c.aliases()) fromAnnotations.put(alias, verb);
        }
        assertEquals(fromAnnotations, PbCommand.BY_NAME);
    }
}
