package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.config.PbPaths;
import dev.bootc.pb.disk.ProcessRunner;
import dev.bootc.pb.libvirt.LibvirtHypervisor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SSH ports from many threads at once (real libvirt, test driver): all distinct, each stable. */
class LiveWorldPortTest {
    @TempDir
    Path dir;

    @Test
    void concurrentAllocationsGiveDistinctStablePorts() throws Exception {
        LiveWorld world = new LiveWorld(new PbPaths(dir.resolve("data"), dir.resolve("images")),
                () -> LibvirtHypervisor.connect("test:///default"), ProcessRunner.local());
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            BootcVm vm = new BootcVm("default", "vm-" + i, new BootcVmSpec("img"));
            futures.add(CompletableFuture.supplyAsync(() -> world.sshPort(vm, null)));
        }
        HashSet<Integer> ports = new HashSet<>();
        for (var f : futures) ports.add(f.get());
        assertEquals(8, ports.size(), "distinct ports: " + ports);
        BootcVm again = new BootcVm("default", "vm-3", new BootcVmSpec("img"));
        assertEquals(futures.get(3).get(), world.sshPort(again, null), "a VM keeps its port");
    }
}
