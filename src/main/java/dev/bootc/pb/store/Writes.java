package dev.bootc.pb.store;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.PbException;

import java.util.Optional;
import java.util.function.UnaryOperator;

/** pb's one conflict-retry loop for writes to a store. */
public final class Writes {
    private static final int TRIES = 20;

    private Writes() {
    }

    /**
     * Applies a change to a copy of the resource and writes it, reading the resource again after a
     * conflict (another writer got there first). The change returns null when there is nothing to
     * write. Returns what is stored after it (the resource itself when nothing was written), or
     * null when the resource is gone.
     */
    public static BootcVm withRetry(VmStore store, BootcVm vm, UnaryOperator<BootcVm> change, UnaryOperator<BootcVm> write) {
        BootcVm current = vm;
        for (int i = 0; ; i++) {
            BootcVm next = change.apply(current.copy());
            if (next == null) return current;
            try {
                return write.apply(next);
            } catch (PbException e) {
                if (e.isNotFound()) return null;
                if (!e.isConflict() || i >= TRIES) throw e;
                Optional<BootcVm> again = store.get(vm.getMetadata().getNamespace(), vm.getMetadata().getName());
                if (again.isEmpty()) return null;
                current = again.get();
            }
        }
    }
}
