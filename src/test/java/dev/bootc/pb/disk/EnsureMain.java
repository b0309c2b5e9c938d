package dev.bootc.pb.disk;

import dev.bootc.pb.api.PullPolicy;
import dev.bootc.pb.os.ProcessRunner;
import dev.bootc.pb.port.BaseDisk;
import dev.bootc.pb.port.BaseDiskOptions;
import dev.bootc.pb.port.Image;
import dev.bootc.pb.port.Progress;

import dev.bootc.pb.api.Filesystem;
import java.nio.file.Path;
import java.util.List;

/** Test child process: builds one base disk with the real programs. Args: CACHEDIR IMAGE FILESYSTEM|- [KARG]... */
public final class EnsureMain {
    public static void main(String[] args) {
        ProcessRunner local = ProcessRunner.local();
        Image image = new PodmanImages(local, true, Path.of(args[0]).resolve("install-config")).resolve(args[1], PullPolicy.Never, Progress.none());
        BaseDiskOptions options = BaseDiskOptions.defaults()
                .withFilesystem("-".equals(args[2]) ? null : Filesystem.valueOf(args[2]))
                .withKernelArgs(List.of(args).subList(3, args.length));
        BaseDiskCache cache = new BaseDiskCache(Path.of(args[0]), new BaseDiskBuilder(local));
        System.out.println("key " + BaseDiskCache.key(image.digest(), image.reference(), options));
        System.out.flush();
        BaseDisk disk = cache.ensure(image, options, BaseDiskVmTest.PRINT);
        System.out.println("built " + disk.path());
    }
}
