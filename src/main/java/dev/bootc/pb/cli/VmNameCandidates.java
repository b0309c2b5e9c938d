package dev.bootc.pb.cli;

import java.util.Iterator;
import java.util.List;

/**
 * Completion candidates of a VM name: a marker the completion scripts replace with a call to
 * {@code pb list --format name} when the shell completes (names are known only then).
 */
final class VmNameCandidates implements Iterable<String> {
    /** Stands for the names in generated scripts; never a valid VM name (DNS-1123 has no '@'). */
    static final String MARKER = "@pb-vm-names@";

    @Override
    public Iterator<String> iterator() {
        return List.of(MARKER).iterator();
    }
}
