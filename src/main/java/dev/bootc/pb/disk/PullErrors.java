package dev.bootc.pb.disk;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.PbException;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a failed {@code podman pull} means, in one line: the registry could not be reached (exit 1,
 * naming the registry and the cause), the registry says the image does not exist (exit 3), or
 * another failure (exit 1). podman's retry warnings are dropped.
 */
final class PullErrors {
    private static final Pattern REGISTRY = Pattern.compile("(?:pinging container registry|registry) ([A-Za-z0-9.\\-]+(?::\\d+)?)");
    private static final Pattern DIAL = Pattern.compile("dial tcp(?: [^ ]+:\\d+)?: (.+)$");
    private static final List<String> UNREACHABLE = List.of("no such host", "connection refused", "i/o timeout", "network is unreachable",
            "no route to host", "tls handshake timeout", "connection reset", "server misbehaving", "x509:", "timeout awaiting response");
    private static final List<String> NOT_FOUND = List.of("manifest unknown", "name unknown", "not found", "requested access to the resource is denied",
            "repository does not exist");

    private PullErrors() {
    }

    static PbException classify(String reference, String stderr) {
        String last = lastError(stderr);
        String lower = last.toLowerCase(Locale.ROOT);
        Matcher reg = REGISTRY.matcher(last);
        String registry = reg.find() ? reg.group(1) : registryOf(reference);
        for (String u : UNREACHABLE) {
            if (lower.contains(u)) {
                Matcher dial = DIAL.matcher(last);
                String cause = dial.find() ? dial.group(1) : u;
                return Failure.RegistryUnreachable.with("cannot reach registry " + registry + " to pull " + reference + " (" + cause
                        + "): check the network and the image name, or use an image in local storage");
            }
        }
        for (String n : NOT_FOUND) {
            if (lower.contains(n)) {
                return Failure.ImageNotFound.with("image " + reference + " not found: registry " + registry + " says: " + strip(last));
            }
        }
        return Failure.PullFailed.with("cannot pull " + reference + ": " + strip(last));
    }

    /** The last line podman printed as an error, without podman's retry warnings. */
    static String lastError(String stderr) {
        String found = "";
        for (String line : stderr.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("Trying to pull") || l.contains("level=warning")) continue;
            found = l;
        }
        return found.isEmpty() ? "podman pull failed" : found;
    }

    private static String strip(String line) {
        String s = line.startsWith("Error: ") ? line.substring(7) : line;
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** The registry host of a reference: its first component when that looks like a host, else docker.io. */
    static String registryOf(String reference) {
        int slash = reference.indexOf('/');
        if (slash > 0) {
            String first = reference.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) return first;
        }
        return "docker.io";
    }
}
