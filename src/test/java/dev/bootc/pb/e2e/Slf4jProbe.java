package dev.bootc.pb.e2e;

/** Run by StartupIT with the CLI's JVM flags: SSHD logs through slf4j, which must print nothing of its own. */
public final class Slf4jProbe {
    private Slf4jProbe() {
    }

    public static void main(String[] args) {
        org.slf4j.LoggerFactory.getLogger("pb.probe").warn("not shown");
        System.out.println("ok");
    }
}
