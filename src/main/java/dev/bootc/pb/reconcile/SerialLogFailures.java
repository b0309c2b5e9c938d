package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Firmware;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boot failures that only the serial console shows, turned into a failure a person can act on
 * instead of an SSH timeout minutes later.
 */
final class SerialLogFailures {
    /** OVMF's words when Secure Boot refuses a boot loader, e.g. {@code BdsDxe: failed to load Boot0001 "UEFI Misc Device" from ...: Access Denied}. */
    static final Pattern SECURE_BOOT_REFUSED =
            Pattern.compile("BdsDxe: failed to (?:load|start) (Boot[0-9A-Fa-f]{4}) \"([^\"]*)\"[^\\r\\n]*?: (Access Denied|Security Violation)");
    /** How much of the log's end is read. */
    static final int TAIL_BYTES = 1 << 20;

    private SerialLogFailures() {
    }

    /** Throws SecureBootRefused when the log shows it (only under uefi-secure); otherwise does nothing. */
    static void check(String vmName, Firmware firmware, Path serialLog, String logTail) {
        if (firmware != Firmware.uefi_secure) return;
        secureBootRefusal(logTail).ifPresent(what -> {
            throw Failure.SecureBootRefused.with("Secure Boot refused the boot loader of VM " + vmName + " (firmware: " + what
                    + "): the image's boot chain is not signed with a key the firmware trusts; run it with --firmware uefi, or boot a signed image (see "
                    + serialLog + ")");
        });
    }

    /** The refusal as OVMF printed it, or empty. */
    static Optional<String> secureBootRefusal(String log) {
        Matcher m = SECURE_BOOT_REFUSED.matcher(log);
        return m.find() ? Optional.of(m.group(1) + " \"" + m.group(2) + "\": " + m.group(3)) : Optional.empty();
    }
}
