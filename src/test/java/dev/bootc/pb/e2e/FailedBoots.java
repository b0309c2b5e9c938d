package dev.bootc.pb.e2e;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.reconcile.VmLayout;
import dev.bootc.pb.store.file.FileVmStore;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the serial log and libvirt's QEMU log of every boot that did not reach SSH under target/failed-boots/,
 * before a clean-up ({@code pb rm -f}) deletes the serial log: a guest that hangs once in a dozen boots is found
 * from these copies, which CI keeps as artifacts. One folder per boot ({@code DOMAIN-STARTEDAT}), refreshed when
 * the same boot is kept again.
 */
public record FailedBoots(Path into, Path qemuLogs) {
    /**
     * Into {@code -Dpb.failedBoots=DIR}, else target/failed-boots of this checkout; from libvirt's QEMU logs of this user's
     * domains: qemu:///system's as root, qemu:///session's otherwise.
     */
    public static final FailedBoots HERE = new FailedBoots(Path.of(System.getProperty("pb.failedBoots", "target/failed-boots")).toAbsolutePath(),
            "root".equals(System.getProperty("user.name")) ? Path.of("/var/log/libvirt/qemu")
                    : Path.of(System.getProperty("user.home"), ".cache/libvirt/qemu/log"));
    /** The end of libvirt's QEMU log kept: it holds every start of a domain of that name, this one last. */
    static final int QEMU_LOG_BYTES = 1 << 20;

    /**
     * Keeps the logs of each VM of a file store whose boot did not reach SSH (phase Failed or Starting) and whose
     * console wrote at or after {@code sinceMillis} (0: any time). Never fails the caller: a copy that cannot be made
     * is said on stderr.
     *
     * @param why what the copy is kept for (the failed command and its output), written beside it
     */
    public List<Path> keep(Path storeDir, VmLayout layout, long sinceMillis, String why) {
        List<Path> kept = new ArrayList<>();
        try {
            if (!Files.isDirectory(storeDir)) return kept;
            for (BootcVm vm : new FileVmStore(storeDir).list(null)) keep(vm, layout, sinceMillis, why).ifPresent(kept::add);
        } catch (RuntimeException e) {
            System.err.println("[failed-boots] could not read the store " + storeDir + ": " + e);
        }
        return kept;
    }

    /** Keeps the logs of one VM's boot when it did not reach SSH and its console wrote at or after {@code sinceMillis}. */
    public Optional<Path> keep(BootcVm vm, VmLayout layout, long sinceMillis, String why) {
        Phase phase = vm.getStatus() == null ? null : vm.getStatus().getPhase();
        if (phase != Phase.Failed && phase != Phase.Starting) return Optional.empty();
        VmKey key = VmKey.of(vm);
        Path serial = layout.serialLog(key);
        try {
            if (!Files.exists(serial) || Files.getLastModifiedTime(serial).toMillis() < sinceMillis) return Optional.empty();
            String domain = layout.domainName(key);
            String started = vm.getStatus().getStartedAt() == null ? "unstarted" : vm.getStatus().getStartedAt().replaceAll("[^0-9TZ]", "");
            Path dir = Files.createDirectories(into.resolve(domain + "-" + started));
            Files.copy(serial, dir.resolve("serial.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path qemuLog = qemuLogs.resolve(domain + ".log");
            Files.write(dir.resolve("qemu.log"), Files.exists(qemuLog) ? tail(qemuLog, QEMU_LOG_BYTES) : ("no " + qemuLog + "\n").getBytes());
            Files.writeString(dir.resolve("why.txt"), "VM " + key + ", phase " + phase + ": " + vm.getStatus().getMessage() + "\n\n" + why + "\n");
            System.err.println("[failed-boots] kept the serial and QEMU logs of " + key + " (" + phase + ") in " + dir);
            return Optional.of(dir);
        } catch (IOException | RuntimeException e) {
            System.err.println("[failed-boots] could not keep " + serial + ": " + e);
            return Optional.empty();
        }
    }

    private static byte[] tail(Path file, int maxBytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(0, f.length() - maxBytes);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            if (from == 0) return b;
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.writeBytes(("[... the first " + from + " bytes left out]\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(b);
            return out.toByteArray();
        }
    }
}
