package dev.bootc.pb.testing;

import dev.bootc.pb.boot.Config;
import dev.bootc.pb.boot.Root;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.store.file.FileEventLog;
import dev.bootc.pb.store.file.FileVmStore;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A real composition root on a real file store, with the outside world faked at the I/O edge ({@link FakeWorld}). */
public final class FakeRoot {
    private FakeRoot() {
    }

    public static Config config(Path dir, Config.Options options) {
        return config(dir, options, Map.of());
    }

    /** With some of the environment set by the test ({@code PB_RUN_TIMEOUT}, say). */
    public static Config config(Path dir, Config.Options options, Map<String, String> environment) {
        Map<String, String> env = new HashMap<>();
        env.put("PB_STORE_DIR", dir.resolve("store").toString());
        env.put("PB_DATA_DIR", dir.resolve("data").toString());
        env.put("PB_IMAGES_DIR", dir.resolve("images").toString());
        env.put("PB_LIBVIRT_URI", "fake:///");
        env.put("NODE_NAME", "this-node");
        env.put("PB_RUN_TIMEOUT", "20");
        env.putAll(environment);
        return Config.load(env, "tester", dir, options);
    }

    public static Root root(Path dir, FakeWorld world, Config.Options options) {
        return root(dir, world, world.domains, options);
    }

    /** With libvirt of the test's own (one that fails on cue, say). */
    public static Root root(Path dir, FakeWorld world, Domains domains, Config.Options options) {
        return root(config(dir, options), dir, world, domains);
    }

    /** With some of the environment set by the test. */
    public static Root root(Path dir, FakeWorld world, Map<String, String> environment) {
        return root(config(dir, Config.Options.none(), environment), dir, world, world.domains);
    }

    private static Root root(Config c, Path dir, FakeWorld world, Domains domains) {
        return new Root(c, new Root.Parts(() -> world.images, () -> world.disks, () -> domains, () -> world.ssh,
                () -> new FileVmStore(c.storeDir()), () -> new FileEventLog(dir.resolve("data").resolve("events"))));
    }

    public static Root root(Path dir, FakeWorld world) {
        return root(dir, world, Config.Options.none());
    }
}
