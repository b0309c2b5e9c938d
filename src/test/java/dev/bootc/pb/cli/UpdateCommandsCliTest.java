package dev.bootc.pb.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** pb upgrade, switch and rollback as a user types them, on the real core and CLI with a fake guest that answers as bootc. */
class UpdateCommandsCliTest extends InProcessCliTest {
    static final String IMAGE = "localhost/os:latest";

    @BeforeEach
    void aReadyVm() {
        CliRunner.Result run = pb.run("run", "-B", "--name", "demo", IMAGE);
        assertEquals(0, run.exit(), run.toString());
        world.guest.commands.clear();
    }

    @Test
    void upgradeReportsTheDigestsAndTheStatusShowsTheGuestsView() {
        assertEquals("sha256:feed", pb.run("inspect", "demo", "-o", "jsonpath={.status.guest.booted.digest}").out().strip(),
                "read when the VM became ready");
        world.images.digests.put(IMAGE, "sha256:2222");
        CliRunner.Result up = pb.run("upgrade", "demo");
        assertEquals(0, up.exit(), up.toString());
        assertEquals("demo: updated, booted sha256:feed (v1) -> sha256:2222 (new) (one reboot)\n", up.out());
        assertEquals("sha256:2222", pb.run("inspect", "demo", "-o", "jsonpath={.status.guest.booted.digest}").out().strip());
        assertEquals("sha256:feed", pb.run("inspect", "demo", "-o", "jsonpath={.status.guest.rollback.digest}").out().strip());
        assertEquals("sha256:2222", pb.run("inspect", "demo", "-o", "jsonpath={.status.imageDigest}").out().strip());
        assertTrue(pb.run("list", "-o", "json").out().contains("\"digest\" : \"sha256:2222\""), "pb list -o json shows the guest's view");

        CliRunner.Result check = pb.run("upgrade", "--check", "demo");
        assertEquals("demo: up to date, booted sha256:2222 (new) (nothing staged, no reboot)\n", check.out());
        assertEquals(2, world.guest.bootId, "no reboot for --check");

        CliRunner.Result rb = pb.run("rollback", "demo");
        assertEquals(0, rb.exit(), rb.toString());
        assertEquals("demo: rolled back, booted sha256:2222 (new) -> sha256:feed (v1) (one reboot)\n", rb.out());
    }

    @Test
    void switchMakesTheSpecFollowTheNewImage() {
        world.images.digests.put("localhost/other:v2", "sha256:3333");
        CliRunner.Result sw = pb.run("switch", "demo", "localhost/other:v2");
        assertEquals(0, sw.exit(), sw.toString());
        assertEquals("localhost/other:v2", pb.run("get", "demo", "-o", "jsonpath={.spec.image}").out().strip());
        assertEquals("localhost/other:v2", pb.run("inspect", "demo", "-o", "jsonpath={.status.guest.booted.image}").out().strip());
    }

    @Test
    void badInputIsOneLineAndChangesNothing() {
        CliRunner.Result bad = pb.run("switch", "demo", "Not An Image");
        assertEquals(2, bad.exit(), bad.toString());
        assertEquals("Error: IMAGE: invalid value \"Not An Image\": must be a container image reference, like quay.io/fedora/fedora-bootc:42\n", bad.err());
        assertEquals(3, pb.run("upgrade", "demo", "nope").exit(), "every name is looked up before any VM is updated");
        assertEquals(2, pb.run("upgrade", "--pull", "sometimes", "demo").exit());
        assertEquals(IMAGE, pb.run("get", "demo", "-o", "jsonpath={.spec.image}").out().strip());
        assertEquals(1, world.guest.bootId, "nothing rebooted");
        assertTrue(world.guest.commands.isEmpty(), "the guest was not even asked: " + world.guest.commands);
    }

    @Test
    void aGuestWithoutBootcSaysWhyItCannotBeUpdated() {
        world.guest.bootc = false;
        CliRunner.Result up = pb.run("upgrade", "demo");
        assertEquals(1, up.exit());
        assertTrue(up.err().contains("\nError: bootc status failed in VM demo (an image without bootc cannot be updated in place): ERROR"), up.err());
    }
}
