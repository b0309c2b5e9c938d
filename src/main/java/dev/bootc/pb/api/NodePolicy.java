package dev.bootc.pb.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a BootcVm may have of its host, as the host's admin set it: a resource gives a VM, and of the host only
 * what is listed here. Two kinds of writer exist:
 * <ul>
 *   <li>the host's own user (the file store: root or an ordinary user writing their own store) owns what they name:
 *   {@link #owner()} lets every image be run as the installer wants, every folder be shared and every address be bound;</li>
 *   <li>tenants (the Kubernetes store: whoever may create BootcVms in some namespace) get only what the admin listed
 *   ({@link #tenants}): images run privileged on the host only when they match a trusted prefix (otherwise their
 *   base disk is built inside an installer VM), host folders (volumes, cloud-init) only under an allowed folder,
 *   forwarded ports only on 127.0.0.1 or an allowed address. Nothing is allowed by default.</li>
 * </ul>
 *
 * @param tenants          whether the resources come from tenants, not from the host's own user
 * @param trustedImages    image reference prefixes whose images may run privileged on the host (tenants only)
 * @param allowedHostPaths folders under which host paths may be shared or read (tenants only)
 * @param allowedAddresses host addresses besides 127.0.0.1 that forwarded ports may bind (tenants only)
 */
public record NodePolicy(boolean tenants, List<String> trustedImages, List<Path> allowedHostPaths, List<String> allowedAddresses,
                         List<String> allowedNetworks) {
    public static final String LOOPBACK = "127.0.0.1";

    public NodePolicy {
        trustedImages = List.copyOf(trustedImages);
        allowedHostPaths = allowedHostPaths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        allowedAddresses = List.copyOf(allowedAddresses);
        allowedNetworks = List.copyOf(allowedNetworks);
    }

    /** The host's own user: what they name is theirs. */
    public static NodePolicy owner() {
        return new NodePolicy(false, List.of(), List.of(), List.of(), List.of());
    }

    /** Tenants: only what the admin listed. */
    public static NodePolicy tenants(List<String> trustedImages, List<Path> allowedHostPaths, List<String> allowedAddresses) {
        return tenants(trustedImages, allowedHostPaths, allowedAddresses, List.of());
    }

    /** Tenants: only what the admin listed; {@code allowedNetworks} as {@code bridge=NAME} or {@code libvirt=NAME}. */
    public static NodePolicy tenants(List<String> trustedImages, List<Path> allowedHostPaths, List<String> allowedAddresses,
                                     List<String> allowedNetworks) {
        return new NodePolicy(true, trustedImages, allowedHostPaths, allowedAddresses, allowedNetworks);
    }

    /**
     * Whether the image may run as root on the host (its own {@code bootc install} in a privileged container):
     * the owner's images always; a tenant's when its reference starts with a trusted prefix at a component
     * boundary ({@code quay.io/fedora/} trusts {@code quay.io/fedora/fedora-bootc:42}; {@code quay.io/fedora}
     * does not trust {@code quay.io/fedoraevil/x}).
     */
    public boolean trustsImage(String reference) {
        if (!tenants) return true;
        if (reference == null) return false;
        for (String prefix : trustedImages) {
            if (reference.equals(prefix)) return true;
            if (!reference.startsWith(prefix)) continue;
            char last = prefix.charAt(prefix.length() - 1);
            char next = reference.charAt(prefix.length());
            if (last == '/' || last == ':' || last == '@' || next == '/' || next == ':' || next == '@') return true;
        }
        return false;
    }

    /**
     * Why a host path named in {@code field} is refused, if it is: a tenant's path must lie under an allowed
     * folder (compared after normalising, so {@code /srv/ok/../../etc} is {@code /etc}).
     */
    public Optional<Validation.Problem> hostPathProblem(String field, String hostPath) {
        if (!tenants || hostPath == null) return Optional.empty();
        Path p = Path.of(hostPath).normalize();
        for (Path allowed : allowedHostPaths) {
            if (p.startsWith(allowed)) return Optional.empty();
        }
        return Optional.of(new Validation.Problem(field, hostPath, allowedHostPaths.isEmpty()
                ? "this node shares no host folder with BootcVms (its admin allows none)"
                : "must lie under a folder this node's admin allows: " + String.join(", ", allowedHostPaths.stream().map(Path::toString).toList())));
    }

    /** Why a forwarded port's host address is refused, if it is: a tenant's is 127.0.0.1 or one the admin allowed. */
    public Optional<Validation.Problem> addressProblem(String field, String address) {
        if (!tenants || address == null || LOOPBACK.equals(address) || allowedAddresses.contains(address)) return Optional.empty();
        return Optional.of(new Validation.Problem(field, address, allowedAddresses.isEmpty()
                ? "this node binds forwarded ports on 127.0.0.1 only (its admin allows no other address)"
                : "must be 127.0.0.1 or an address this node's admin allows: " + String.join(", ", allowedAddresses)));
    }

    /**
     * Refuses, with one line naming the field, what the spec asks of the host that this policy does not give:
     * host paths (volumes, a cloud-init folder) and forwarded ports' addresses.
     */
    public void check(BootcVmSpec spec) {
        List<VolumeMount> volumes = spec.volumesOrEmpty();
        for (int i = 0; i < volumes.size(); i++) {
            Optional<Validation.Problem> p = hostPathProblem("spec.volumes[" + i + "].hostPath", volumes.get(i).getHostPath());
            if (p.isPresent()) throw Failure.HostPathNotAllowed.with(p.get().toString());
        }
        if (spec.getCloudInit() != null) {
            Optional<Validation.Problem> p = hostPathProblem("spec.cloudInit.path", spec.getCloudInit().getPath());
            if (p.isPresent()) throw Failure.HostPathNotAllowed.with(p.get().toString());
        }
        List<PortForward> ports = spec.getPorts() == null ? List.of() : spec.getPorts();
        for (int i = 0; i < ports.size(); i++) {
            Optional<Validation.Problem> p = addressProblem("spec.ports[" + i + "].hostIP", ports.get(i).getHostIP());
            if (p.isPresent()) throw Failure.HostAddressNotAllowed.with(p.get().toString());
        }
        NetworkMode mode = Defaults.network(spec);
        if (tenants && mode.ownAddress() && !allowedNetworks.contains(mode + "=" + spec.getNetworkName())) {
            throw Failure.NetworkNotAllowed.with(new Validation.Problem("spec.networkName", spec.getNetworkName(), allowedNetworks.isEmpty()
                    ? "this node puts BootcVms on no " + mode + " network (its admin allows none; user networking is always there)"
                    : "must be a network this node's admin allows: " + String.join(", ", allowedNetworks)).toString());
        }
    }

    /** An admin's allowed network for BootcVms: {@code bridge=NAME} or {@code libvirt=NAME}. */
    public static String requireNetwork(String setting, String network) {
        if (network == null || !network.matches("^(bridge|libvirt)=" + Validation.NETWORK_NAME_PATTERN.substring(1))) {
            throw Failure.InvalidConfig.with(setting + ": invalid value " + Validation.quote(network)
                    + ": give bridge=NAME or libvirt=NAME, like libvirt=default");
        }
        return network;
    }

    /** An admin's trusted image prefix: the start of an image reference (registry, repository path), never empty. */
    public static String requireImagePrefix(String setting, String prefix) {
        if (prefix == null || prefix.isBlank() || !prefix.matches("^[A-Za-z0-9][A-Za-z0-9._:/@-]*$")) {
            throw Failure.InvalidConfig.with(setting + ": invalid value " + Validation.quote(prefix)
                    + ": give the start of an image reference, like quay.io/fedora/ or registry.example.com/os/");
        }
        return prefix;
    }

    /** An admin's allowed host folder: absolute, and not / (which would allow everything). */
    public static Path requireFolder(String setting, String folder) {
        if (folder == null || !folder.matches(Validation.ABSOLUTE_PATH_PATTERN) || Path.of(folder).normalize().getNameCount() == 0) {
            throw Failure.InvalidConfig.with(setting + ": invalid value " + Validation.quote(folder)
                    + ": give an absolute folder other than /, like /srv/vm-shares");
        }
        return Path.of(folder).normalize();
    }

    /** An admin's allowed host address for forwarded ports: an IPv4 address. */
    public static String requireAddress(String setting, String address) {
        if (address == null || !address.matches(Validation.IPV4_PATTERN)) {
            throw Failure.InvalidConfig.with(setting + ": invalid value " + Validation.quote(address) + ": give an IPv4 address, like 192.0.2.10");
        }
        return address;
    }
}
