package dev.bootc.pb.cli;

import dev.bootc.pb.boot.Config;
import dev.bootc.pb.testing.FakeRoot;
import dev.bootc.pb.testing.FakeWorld;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code pb run -B} on the fake world with steps that take their time (a pull that prints progress,
 * a disk build, a guest that prints to its console before SSH answers), with this process's real
 * stderr and environment: what a person sees, for {@link ProgressTerminalTest} to run under script.
 */
public final class ProgressDemoMain {
    private ProgressDemoMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        FakeWorld world = new FakeWorld();
        world.images.pullOutput = List.of("Trying to pull quay.io/demo/bootc:1...", "Copying blob 4f4fb700ef54 done", "Writing manifest to image destination");
        world.images.pullLineMillis = 400;
        world.disks.buildMillis = 1200;
        Path log = dir.resolve("data/vms/default/demo/serial.log");
        Thread guest = new Thread(() -> {
            while (!world.calls.contains("start")) FakeWorldSleep.ms(50);
            world.domains.bootLog(log, "[    0.000000] Linux version 6.12.0\r\n");
            FakeWorldSleep.ms(500);
            world.domains.appendLog(log, "\u001b[0;32m  OK  \u001b[0m] Reached target multi-user.target - Multi-User System.\r\n");
            FakeWorldSleep.ms(900);
            world.ssh.ready = true;
        });
        guest.setDaemon(true);
        guest.start();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, java.nio.charset.StandardCharsets.UTF_8), true);
        String[] pbArgs = java.util.Arrays.copyOfRange(args, 1, args.length);
        int code = Cli.execute(pbArgs, out, err, o -> FakeRoot.root(dir, world, o), Terminal.detect(Config.Display.load()));
        System.exit(code);
    }

    /** Sleeps without checked exceptions. */
    static final class FakeWorldSleep {
        static void ms(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
