package dev.bootc.pb.cli;

import dev.bootc.pb.api.PullPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --pull} is {@code spec.imagePullPolicy}: the resource carries it, so whichever driver makes the disk (this
 * process, the file store's operator or a node's) pulls as asked; unset, Kubernetes' rule decides (issue 25).
 */
class PullPolicyCliTest extends InProcessCliTest {

    private String stored(String name) throws Exception {
        return Files.readString(dir.resolve("store/default/" + name + ".yaml"));
    }

    @Test
    void pullAlwaysIsWrittenToTheSpecAndTheDiskIsMadeFromAPull() throws Exception {
        ok("run", "-B", "--pull", "always", "--name", "a", "quay.io/example/os:42");
        assertTrue(stored("a").contains("imagePullPolicy: Always"), stored("a"));
        assertEquals(PullPolicy.Always, world.images.policies.get("quay.io/example/os:42"));
    }

    @Test
    void podmansMissingIsKubernetesIfNotPresent() throws Exception {
        ok("run", "-B", "--pull", "missing", "--name", "m", "quay.io/example/os");
        assertTrue(stored("m").contains("imagePullPolicy: IfNotPresent"), stored("m"));
        assertEquals(PullPolicy.IfNotPresent, world.images.policies.get("quay.io/example/os"), "the field wins over the rule for no tag");
    }

    @Test
    void unsetTheRuleDecidesAndNothingIsWritten() throws Exception {
        ok("run", "-B", "--name", "l", "quay.io/example/os:latest");
        ok("run", "-B", "--name", "t", "quay.io/example/os:42");
        assertFalse(stored("l").contains("imagePullPolicy"), "the user's resource stays as typed: " + stored("l"));
        assertEquals(PullPolicy.Always, world.images.policies.get("quay.io/example/os:latest"));
        assertEquals(PullPolicy.IfNotPresent, world.images.policies.get("quay.io/example/os:42"));
    }

    @Test
    void aBadValueIsOneLineExitTwoAndWritesNothing() {
        assertOneLineError(pb.run("run", "-B", "--pull", "sometimes", "--name", "b", "quay.io/example/os:42"), 2, "--pull");
        assertFalse(Files.exists(dir.resolve("store/default/b.yaml")));
    }
}
