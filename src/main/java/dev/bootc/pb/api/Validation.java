package dev.bootc.pb.api;

import java.util.ArrayList;
import java.util.List;

/**
 * pb's own validation of a BootcVm. Every rule here is also in the CRD's OpenAPI schema (through the
 * patterns and limits below, used by the model's annotations), so kubectl rejects what pb rejects;
 * a corpus test checks both agree.
 */
public final class Validation {
    /** DNS-1123 label: what Kubernetes and libvirt both accept as a VM name. */
    public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public static final int NAME_MAX = 63;
    /**
     * A container image reference as the distribution spec defines it: [host[:port]/]path[:tag][@digest],
     * path components lower-case; so no whitespace, control character, quote or shell or XML metacharacter.
     */
    public static final String IMAGE_PATTERN = "^(([A-Za-z0-9]|[A-Za-z0-9][-A-Za-z0-9]*[A-Za-z0-9])(\\.([A-Za-z0-9]|[A-Za-z0-9][-A-Za-z0-9]*[A-Za-z0-9]))*(:[0-9]+)?/)?"
            + "[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*"
            + "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$";
    /** Longer references are refused (the spec allows 255 characters of name, 128 of tag, and a digest). */
    public static final int IMAGE_MAX = 512;
    /** At least 128Mi; whole numbers with Mi/Gi/Ti (or M/G/T). */
    public static final String MEMORY_PATTERN =
            "^(([1-9][0-9]{3,}|[2-9][0-9]{2}|1[3-9][0-9]|12[89])(Mi|M)|[1-9][0-9]*(Gi|Ti|G|T))$";
    public static final String DISK_SIZE_PATTERN = "^[1-9][0-9]*(Mi|Gi|Ti|M|G|T)$";
    public static final String USER_PATTERN = "^[a-z_][a-z0-9_-]{0,31}$";
    public static final String PUBLIC_KEY_PATTERN = "^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( .*)?$";
    /**
     * One kernel argument: no whitespace, no control character, Unicode's included (NEL U+0085 and the line and
     * paragraph separators are line breaks to YAML, which turned a refused value into one this let through).
     */
    public static final String KARG_PATTERN = "^[^\\s\\p{Z}\\x00-\\x1f\\x7f-\\x9f]+$";
    /** An absolute path without control characters (they cannot be in libvirt's XML, and NUL in no path). */
    public static final String ABSOLUTE_PATH_PATTERN = "^/[^\\x00-\\x1f\\x7f]*$";
    public static final String IPV4_PATTERN =
            "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$";
    public static final int MAX_CPUS = 512;
    /** A bridge (an interface name) or a libvirt network: letters, digits, _ . - (no path, no space, no markup). */
    public static final String NETWORK_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";
    /** A label's name part, and a label value (which may also be empty): Kubernetes' rule. */
    public static final String LABEL_NAME_PATTERN = "^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$";
    public static final int LABEL_NAME_MAX = 63;
    /** A label key's optional prefix: a DNS-1123 subdomain. */
    public static final String LABEL_PREFIX_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public static final int LABEL_PREFIX_MAX = 253;
    /** A DNS-1123 subdomain: what Kubernetes takes as the name of a Secret. */
    public static final String SUBDOMAIN_PATTERN = LABEL_PREFIX_PATTERN;
    public static final int SUBDOMAIN_MAX = 253;

    private Validation() {
    }

    /** One problem with a resource: the field's path, the offending value and what is expected. */
    public record Problem(String field, Object value, String expected) {
        @Override
        public String toString() {
            String v = value == null ? "missing" : quote(String.valueOf(value));
            return field + ": invalid value " + v + ": " + expected;
        }
    }

    /** The longest value an error message repeats in full; longer ones are cut, saying how long they were. */
    public static final int QUOTE_MAX = 80;

    /**
     * A value as an error message shows it: in double quotes, on one line whatever it holds (control
     * characters, quotes and backslashes escaped as in Java), cut after {@link #QUOTE_MAX} characters.
     */
    public static String quote(String value) {
        if (value == null) return "missing";
        boolean cut = value.length() > QUOTE_MAX;
        return "\"" + escape(cut ? value.substring(0, QUOTE_MAX) : value) + "\"" + (cut ? "... (" + value.length() + " characters)" : "");
    }

    /** A value on one line, for messages: as {@link #quote}, without the quotes. */
    public static String printable(String value) {
        if (value == null) return "";
        boolean cut = value.length() > QUOTE_MAX;
        return escape(cut ? value.substring(0, QUOTE_MAX) : value) + (cut ? "... (" + value.length() + " characters)" : "");
    }

    /** The text with its control characters (newlines included) shown escaped, so it stays on one line; quotes kept. */
    public static String escapeControls(String text) {
        if (text == null) return "";
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') b.append(c);
            else b.append(escape(String.valueOf(c)));
        }
        return b.toString();
    }

    private static String escape(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    /** Every problem with the resource, in field order; empty when it is valid. */
    public static List<Problem> problems(BootcVm vm) {
        List<Problem> out = new ArrayList<>();
        if (vm.getApiVersion() != null && !BootcVm.API_VERSION.equals(vm.getApiVersion())) {
            out.add(new Problem("apiVersion", vm.getApiVersion(), "must be " + BootcVm.API_VERSION));
        }
        if (vm.getKind() != null && !BootcVm.KIND.equals(vm.getKind())) {
            out.add(new Problem("kind", vm.getKind(), "must be " + BootcVm.KIND));
        }
        String name = vm.getMetadata() == null ? null : vm.getMetadata().getName();
        nameProblem("metadata.name", name).ifPresent(out::add);
        String ns = vm.getMetadata() == null ? null : vm.getMetadata().getNamespace();
        if (ns != null) nameProblem("metadata.namespace", ns).ifPresent(out::add);
        if (vm.getMetadata() != null && vm.getMetadata().getLabels() != null) {
            vm.getMetadata().getLabels().forEach((k, v) -> labelProblem("metadata.labels", k, v).ifPresent(out::add));
        }
        BootcVmSpec s = vm.getSpec();
        if (s == null) {
            out.add(new Problem("spec", null, "a spec with at least an image is required"));
            return out;
        }
        if (s.getImage() == null || s.getImage().isBlank()) {
            out.add(new Problem("spec.image", null, "an image reference is required, like quay.io/fedora/fedora-bootc:42"));
        } else if (s.getImage().length() > IMAGE_MAX || !s.getImage().matches(IMAGE_PATTERN)) {
            out.add(new Problem("spec.image", s.getImage(), "must be a container image reference, like quay.io/fedora/fedora-bootc:42"));
        }
        if (s.getResources() != null) {
            String mem = s.getResources().getMemory();
            if (mem != null && !mem.matches(MEMORY_PATTERN)) {
                out.add(new Problem("spec.resources.memory", mem, "must be at least 128Mi, a whole number with a unit, like 2Gi or 4096Mi"));
            }
            Integer cpus = s.getResources().getCpus();
            if (cpus != null && (cpus < 1 || cpus > MAX_CPUS)) {
                out.add(new Problem("spec.resources.cpus", cpus, "must be between 1 and " + MAX_CPUS));
            }
        }
        if (s.getDisk() != null) {
            if (s.getDisk().getSize() != null && !s.getDisk().getSize().matches(DISK_SIZE_PATTERN)) {
                out.add(new Problem("spec.disk.size", s.getDisk().getSize(), "must be a whole number with a unit, like 20Gi"));
            }
            if (s.getDisk().getRootSizeMax() != null && !s.getDisk().getRootSizeMax().matches(DISK_SIZE_PATTERN)) {
                out.add(new Problem("spec.disk.rootSizeMax", s.getDisk().getRootSizeMax(), "must be a whole number with a unit, like 10Gi"));
            }
        }
        List<String> kargs = s.getKernelArgs();
        if (kargs != null) {
            for (int i = 0; i < kargs.size(); i++) {
                if (kargs.get(i) == null || !kargs.get(i).matches(KARG_PATTERN)) {
                    out.add(new Problem("spec.kernelArgs[" + i + "]", kargs.get(i), "one kernel argument, without whitespace or control characters"));
                }
            }
        }
        if (s.getSsh() != null) {
            String user = s.getSsh().getUser();
            if (user != null && !user.matches(USER_PATTERN)) {
                out.add(new Problem("spec.ssh.user", user, "must be a Linux user name: lower-case letters, digits, _ and -"));
            }
            List<String> keys = s.getSsh().getAuthorizedKeys();
            if (keys != null) {
                for (int i = 0; i < keys.size(); i++) {
                    if (keys.get(i) == null || !keys.get(i).matches(PUBLIC_KEY_PATTERN)) {
                        out.add(new Problem("spec.ssh.authorizedKeys[" + i + "]", abbreviate(keys.get(i)), "must be an OpenSSH public key, like ssh-ed25519 AAAA... user@host"));
                    }
                }
            }
        }
        networkProblems(s, out);
        List<PortForward> ports = s.getPorts();
        if (ports != null) {
            for (int i = 0; i < ports.size(); i++) {
                PortForward p = ports.get(i);
                String f = "spec.ports[" + i + "]";
                portProblem(f + ".hostPort", p.getHostPort()).ifPresent(out::add);
                portProblem(f + ".guestPort", p.getGuestPort()).ifPresent(out::add);
                if (p.getHostIP() != null && !p.getHostIP().matches(IPV4_PATTERN)) {
                    out.add(new Problem(f + ".hostIP", p.getHostIP(), "must be an IPv4 address, like 127.0.0.1"));
                }
            }
        }
        List<VolumeMount> volumes = s.getVolumes();
        if (volumes != null) {
            for (int i = 0; i < volumes.size(); i++) {
                VolumeMount v = volumes.get(i);
                String f = "spec.volumes[" + i + "]";
                if (v.getHostPath() == null || !v.getHostPath().matches(ABSOLUTE_PATH_PATTERN)) {
                    out.add(new Problem(f + ".hostPath", v.getHostPath(), "must be an absolute path"));
                }
                if (v.getGuestPath() == null || !v.getGuestPath().matches(ABSOLUTE_PATH_PATTERN)) {
                    out.add(new Problem(f + ".guestPath", v.getGuestPath(), "must be an absolute path"));
                }
            }
        }
        CloudInitSpec ci = s.getCloudInit();
        if (ci != null) {
            int sources = (ci.getPath() != null ? 1 : 0) + (ci.getSecretRef() != null ? 1 : 0) + (ci.isInline() ? 1 : 0);
            if (sources > 1) {
                out.add(new Problem("spec.cloudInit", ci.getSecretRef() == null ? "path and inline data"
                        : ci.getPath() != null ? "path and secretRef" : "secretRef and inline data",
                        "give one of path (a folder of the host), secretRef (a Secret of the namespace) or userData/metaData/networkConfig"));
            } else if (sources == 0) {
                out.add(new Problem("spec.cloudInit", null, "give path (a folder of the host), secretRef (a Secret of the namespace)"
                        + " or userData, metaData, networkConfig"));
            } else if (ci.getPath() != null && !ci.getPath().matches(ABSOLUTE_PATH_PATTERN)) {
                out.add(new Problem("spec.cloudInit.path", ci.getPath(), "must be an absolute path"));
            } else if (ci.getSecretRef() != null) {
                String secret = ci.getSecretRef().getName();
                if (secret == null || secret.length() > SUBDOMAIN_MAX || !secret.matches(SUBDOMAIN_PATTERN)) {
                    out.add(new Problem("spec.cloudInit.secretRef.name", secret,
                            "must be the name of a Secret: lower-case letters, digits, '-' and '.', like web-cloud-init"));
                }
            }
        }
        HealthCheck hc = s.getHealthCheck();
        if (hc != null) {
            if (hc.getCommand() != null && (hc.getCommand().isBlank() || hc.getCommand().length() > HealthCheck.COMMAND_MAX)) {
                out.add(new Problem("spec.healthCheck.command", abbreviate(hc.getCommand()),
                        "must be a shell command of 1 to " + HealthCheck.COMMAND_MAX + " characters, or unset for the default"));
            }
            Integer t = hc.getTimeoutSeconds();
            if (t != null && (t < 1 || t > HealthCheck.TIMEOUT_MAX)) {
                out.add(new Problem("spec.healthCheck.timeoutSeconds", t, "must be between 1 and " + HealthCheck.TIMEOUT_MAX));
            }
        }
        return out;
    }

    /**
     * What is wrong with one label, as the Kubernetes API server judges it: a key is an optional
     * DNS-subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.',
     * starting and ending with a letter or digit; a value is empty or such a name.
     */
    public static java.util.Optional<Problem> labelProblem(String field, String key, String value) {
        String why = labelKeyProblem(key);
        if (why != null) return java.util.Optional.of(new Problem(field, key, why));
        if (value == null) return java.util.Optional.of(new Problem(field + "[" + key + "]", null, "a label value is a string (it may be empty)"));
        if (!value.isEmpty() && (value.length() > LABEL_NAME_MAX || !value.matches(LABEL_NAME_PATTERN))) {
            return java.util.Optional.of(new Problem(field + "[" + key + "]", value,
                    "a label value is empty or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"));
        }
        return java.util.Optional.empty();
    }

    /** Why a label key is not one, or null when it is. */
    public static String labelKeyProblem(String key) {
        if (key == null || key.isEmpty()) return "a label key is required";
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > LABEL_PREFIX_MAX || !prefix.matches(LABEL_PREFIX_PATTERN)) {
                return "a label key's prefix must be a DNS subdomain, like example.com (in example.com/name)";
            }
        }
        if (name.isEmpty() || name.length() > LABEL_NAME_MAX || !name.matches(LABEL_NAME_PATTERN)) {
            return "a label key is [prefix/]name: the name at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
        }
        return null;
    }

    /** Throws a {@link PbException} of {@link Failure#Invalid} naming the first problem. */
    public static void check(BootcVm vm) {
        List<Problem> p = problems(vm);
        if (!p.isEmpty()) {
            String name = vm.getMetadata() == null || vm.getMetadata().getName() == null ? "" : " " + vm.getMetadata().getName();
            throw Failure.Invalid.with("BootcVm" + name + ": " + p.get(0));
        }
    }

    /** Throws InvalidName (one line naming the field) unless {@code name} is a DNS label. */
    public static void requireName(String field, String name) {
        nameProblem(field, name).ifPresent(p -> {
            throw Failure.InvalidName.with(p.toString());
        });
    }

    public static java.util.Optional<Problem> nameProblem(String field, String name) {
        if (name == null || name.isEmpty()) {
            return java.util.Optional.of(new Problem(field, null, "a name is required"));
        }
        if (name.length() > NAME_MAX || !name.matches(NAME_PATTERN)) {
            return java.util.Optional.of(new Problem(field, name,
                    "must be a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"));
        }
        return java.util.Optional.empty();
    }

    private static java.util.Optional<Problem> portProblem(String field, Integer port) {
        if (port == null) return java.util.Optional.of(new Problem(field, null, "a port between 1 and 65535 is required"));
        if (port < 1 || port > 65535) return java.util.Optional.of(new Problem(field, port, "must be between 1 and 65535"));
        return java.util.Optional.empty();
    }

    private static String abbreviate(String s) {
        if (s == null) return null;
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    /** bridge and libvirt name their network, the others name none; ports are forwarded on the host only with user networking. */
    private static void networkProblems(BootcVmSpec s, List<Problem> out) {
        NetworkMode mode = Defaults.network(s);
        String name = s.getNetworkName();
        if (mode.ownAddress()) {
            if (name == null) {
                out.add(new Problem("spec.networkName", null, "name the " + (mode == NetworkMode.bridge ? "host bridge, like --network bridge=br0"
                        : "libvirt network, like --network libvirt=default") + " (network: " + mode + ")"));
            } else if (!name.matches(NETWORK_NAME_PATTERN)) {
                out.add(new Problem("spec.networkName", name, "must be a bridge or libvirt network name: letters, digits, _ . - (at most 64)"));
            }
            if (s.getPorts() != null && !s.getPorts().isEmpty()) {
                out.add(new Problem("spec.ports", s.getPorts().size() + " forward(s)", "none with network: " + mode
                        + ": the guest has its own address there, so its ports are its own (reach them at status.address)"));
            }
        } else if (name != null) {
            out.add(new Problem("spec.networkName", name, "only with network: bridge or libvirt (network is " + mode + ")"));
        }
    }
}
