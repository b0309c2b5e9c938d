package dev.bootc.pb.disk;

import dev.bootc.pb.api.Filesystem;
import java.nio.file.Path;
import java.util.List;

/** Test child process: builds one base disk with the real programs. Args: CACHEDIR IMAGE FILESYSTEM|- [KARG]... */
public final class EnsureMain {
    public static void main(String[] args) {
        ProcessRunner local = ProcessRunner.local();
        ResolvedImage image = new ImageResolver(local).resolve(args[1], PullPolicy.never, ProgressListener.none());
        BaseDiskOptions options = BaseDiskOptions.defaults()
                .withFilesystem("-".equals(args[2]) ? null : Filesystem.valueOf(args[2]))
                .withKernelArgs(List.of(args).subList(3, args.length));
        BaseDiskCache cache = new BaseDiskCache(Path.of(args[0]), new BaseDiskBuilder(local), local);
        System.out.println("key " + BaseDiskCache.key(image.digest(), options));
        System.out.flush();
        BaseDisk disk = cache.ensure(image, options, ProgressListener.printingTo(System.out, true));
        System.out.println("built " + disk.path());
    }
}
