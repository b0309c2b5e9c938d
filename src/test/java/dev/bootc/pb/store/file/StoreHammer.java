package dev.bootc.pb.store.file;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;

import java.nio.file.Path;
import java.util.HashMap;

/**
 * A child process for the concurrency tests. "hammer DIR N": N read-increment-write cycles on the
 * annotation "count" of default/hammered; prints "landed conflicts". "churn DIR": rewrites
 * default/churned forever, alternating two large specs, until killed.
 */
public final class StoreHammer {
    public static void main(String[] args) {
        FileVmStore store = new FileVmStore(Path.of(args[1]));
        if (args[0].equals("hammer")) {
            int n = Integer.parseInt(args[2]);
            int landed = 0;
            int conflicts = 0;
            for (int i = 0; i < n; i++) {
                BootcVm vm = store.get("default", "hammered").orElseThrow();
                var ann = vm.getMetadata().getAnnotations() == null ? new HashMap<String, String>() : new HashMap<>(vm.getMetadata().getAnnotations());
                int count = Integer.parseInt(ann.getOrDefault("count", "0"));
                ann.put("count", Integer.toString(count + 1));
                vm.getMetadata().setAnnotations(ann);
                try {
                    store.update(vm);
                    landed++;
                } catch (PbException e) {
                    if (!e.isConflict()) throw e;
                    conflicts++;
                }
            }
            System.out.println(landed + " " + conflicts);
        } else {
            long i = 0;
            while (true) {
                BootcVm vm = store.get("default", "churned").orElseThrow();
                vm.getSpec().setKernelArgs(new java.util.ArrayList<>(java.util.Collections.nCopies(2000, (i++ % 2 == 0) ? "a=1" : "bb=22")));
                store.update(vm);
            }
        }
    }
}
