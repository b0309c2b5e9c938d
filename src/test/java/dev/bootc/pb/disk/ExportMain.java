package dev.bootc.pb.disk;

import dev.bootc.pb.os.Command;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.ExportFormat;
import dev.bootc.pb.port.Progress;

import java.nio.file.Path;

/**
 * Test child process: an export whose "qemu-img" writes half an image, says so, and then takes its time, so the
 * test can stop this JVM midway. Args: DISK FILE.
 */
public final class ExportMain {
    public static void main(String[] args) {
        ProcessRunner slow = c -> ProcessRunner.local().run(Command.of("sh", "-c",
                "head -c 1048576 /dev/zero > \"$1\" && echo half written && exec sleep 20", "sh", c.argv().get(c.argv().size() - 1))
                .onOutput(c.listener()).timeout(c.timeout()));
        new DiskExports(new Overlays(slow)).export(Path.of(args[0]), Path.of(args[1]), ExportFormat.raw, false, new Progress() {
            @Override
            public void phase(String phase) {
            }

            @Override
            public void output(String line) {
                System.out.println(line);
                System.out.flush();
            }
        });
    }
}
