package dev.bootc.pb.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the VM tests need on the host: libvirtd on qemu:///system and the offline bootc fixture image.
 * Started or built when missing; when that is impossible the test fails, it never skips.
 */
public final class Prerequisites {
    /**
     * Fedora-like strict stand-in: no root file system declared, unsigned GRUB. PB_FIXTURE_IMAGE names
     * another family (build-fixture.sh derives the variants from it the same way).
     */
    public static final String IMAGE = fixtureImage();
    /** CentOS-like: declares xfs in /usr/lib/bootc/install. */
    public static final String IMAGE_XFS = variant("xfs");
    /** Boot chain signed as real images' (shim, GRUB, kernel): boots under Secure Boot. */
    public static final String IMAGE_SIGNED = variant("signed");
    /** As IMAGE, with Debian's cloud-init and only the NoCloud datasource. */
    public static final String IMAGE_CLOUDINIT = variant("cloudinit");
    /** As IMAGE, from Debian 12: systemd 252 (no fstab.extra, which is 254+) and kernel 6.1, as CentOS Stream 9 and RHEL 9. */
    public static final String IMAGE_SD252 = variant("sd252");
    private static boolean ready;

    private Prerequisites() {
    }

    public static synchronized void ensure() {
        requireFailsafe();
        if (ready) return;
        if (!Files.isExecutable(Path.of("/usr/sbin/libvirtd")) && !Files.isExecutable(Path.of("/usr/bin/libvirtd"))) {
            throw new AssertionError("libvirtd is not installed: run ./pb doctor --fix");
        }
        // the host's libvirtd (a test's private libvirtd, FaultsIT's, answers on a socket of its own)
        if (run("virsh", "-c", "qemu:///system", "uri") != 0) {
            run("virtlogd", "-d"); // refuses to start twice (its pid file in /run)
            run("libvirtd", "-d");
        }
        for (int i = 0; i < 100 && run("virsh", "-c", "qemu:///system", "uri") != 0; i++) sleep(100);
        if (run("virsh", "-c", "qemu:///system", "uri") != 0) throw new AssertionError("libvirtd does not answer on qemu:///system");
        int built = run("src/test/images/build-fixture.sh");
        for (String image : new String[] {IMAGE, IMAGE_XFS, IMAGE_SIGNED, IMAGE_CLOUDINIT, IMAGE_SD252}) {
            if (run("podman", "image", "exists", image) != 0) {
                throw new AssertionError("the fixture image " + image + " is missing and src/test/images/build-fixture.sh could not build it (exit " + built + ")");
            }
        }
        ready = true;
    }

    /**
     * Fails unless this runs under failsafe, which names the packaged ./pb: surefire does not, and a -Dtest made only of
     * exclusions hands it the *IT classes too, which would then boot VMs and restart this host's libvirtd unasked.
     */
    public static void requireFailsafe() {
        if (System.getProperty("pb.launcher") == null) {
            throw new AssertionError("an end-to-end test runs under failsafe after package (./mvnw verify -Dit.test=NAME), not surefire");
        }
    }

    private static String fixtureImage() {
        String v = System.getenv("PB_FIXTURE_IMAGE");
        return v == null || v.isBlank() ? "localhost/pb-fixture:latest" : v.trim();
    }

    /** REPO:TAG -> REPO-suffix:TAG, as build-fixture.sh names its variants. */
    static String variant(String suffix) {
        String image = fixtureImage();
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon > slash) return image.substring(0, colon) + "-" + suffix + image.substring(colon);
        return image + "-" + suffix + ":latest";
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
