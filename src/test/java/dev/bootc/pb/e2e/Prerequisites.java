package dev.bootc.pb.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the VM tests need on the host: libvirtd on qemu:///system and the offline bootc fixture image.
 * Started or built when missing; when that is impossible the test fails, it never skips.
 */
public final class Prerequisites {
    /** Fedora-like strict stand-in: no root file system declared, unsigned GRUB. */
    public static final String IMAGE = "localhost/pb-fixture:latest";
    /** CentOS-like: declares xfs in /usr/lib/bootc/install. */
    public static final String IMAGE_XFS = "localhost/pb-fixture-xfs:latest";
    /** Boot chain signed as real images' (shim, GRUB, kernel): boots under Secure Boot. */
    public static final String IMAGE_SIGNED = "localhost/pb-fixture-signed:latest";
    private static boolean ready;

    private Prerequisites() {
    }

    public static synchronized void ensure() {
        if (ready) return;
        if (!Files.isExecutable(Path.of("/usr/sbin/libvirtd")) && !Files.isExecutable(Path.of("/usr/bin/libvirtd"))) {
            throw new AssertionError("libvirtd is not installed: run ./pb doctor --fix");
        }
        if (run("pgrep", "-x", "virtlogd") != 0) run("virtlogd", "-d");
        if (run("pgrep", "-x", "libvirtd") != 0) run("libvirtd", "-d");
        for (int i = 0; i < 100 && run("virsh", "-c", "qemu:///system", "uri") != 0; i++) sleep(100);
        if (run("virsh", "-c", "qemu:///system", "uri") != 0) throw new AssertionError("libvirtd does not answer on qemu:///system");
        int built = run("src/test/images/build-fixture.sh");
        for (String image : new String[] {IMAGE, IMAGE_XFS, IMAGE_SIGNED}) {
            if (run("podman", "image", "exists", image) != 0) {
                throw new AssertionError("the fixture image " + image + " is missing and src/test/images/build-fixture.sh could not build it (exit " + built + ")");
            }
        }
        ready = true;
    }

    static int run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (Exception e) {
            return -1;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
