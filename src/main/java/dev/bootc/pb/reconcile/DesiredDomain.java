package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.BootcVmSpec;
import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.Quantity;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.api.VolumeMount;
import dev.bootc.pb.port.Domain;
import dev.bootc.pb.port.DomainSpec;
import dev.bootc.pb.port.Domains;
import dev.bootc.pb.port.PbMetadata;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The domain a VM should have, computed from its effective spec and the facts the reconciler found
 * (no I/O), and how it compares with the domain libvirt has: the spec's hash is recorded in the
 * domain's metadata, so a change is seen without reading the XML back.
 */
final class DesiredDomain {
    /** What defining would do. */
    enum Change { CREATE, NONE, UPDATE, UPDATE_RESTART_REQUIRED }

    /**
     * What the domain is made from besides the spec: all found by the reconciler before. {@code systemd}: the major
     * version of the guest's systemd, null when unknown ({@link GuestMounts}).
     */
    record Facts(Domains.HostFacts host, Integer sshPort, Path privateKey, String publicKey, String digest, Instant created,
                 DomainSpec.SeedDisk seed, Integer systemd) {
        Facts(Domains.HostFacts host, Integer sshPort, Path privateKey, String publicKey, String digest, Instant created) {
            this(host, sshPort, privateKey, publicKey, digest, created, null, null);
        }

        Facts(Domains.HostFacts host, Integer sshPort, Path privateKey, String publicKey, String digest, Instant created,
              DomainSpec.SeedDisk seed) {
            this(host, sshPort, privateKey, publicKey, digest, created, seed, null);
        }
    }

    private DesiredDomain() {
    }

    /** The desired domain of {@code vm} (whose spec has its defaults applied), its metadata carrying the spec's hash. */
    static DomainSpec of(BootcVm vm, VmLayout layout, Facts facts) {
        BootcVmSpec spec = vm.getSpec();
        VmKey key = VmKey.of(vm);
        // a guest whose systemd ignores fstab.extra gets its volumes from pb over SSH as root: with another SSH user,
        // root takes the VM's own key too (whoever holds it sets the guest's kernel arguments and cloud-init already)
        boolean overSsh = GuestMounts.overSsh(spec, facts.systemd());
        List<String> keys = new ArrayList<>();
        keys.add(facts.publicKey());
        if (spec.getSsh().getAuthorizedKeys() != null) keys.addAll(spec.getSsh().getAuthorizedKeys());
        DomainSpec.Builder b = DomainSpec.builder(layout.domainName(key))
                .memoryMiB((int) Quantity.mebibytes(spec.getResources().getMemory()))
                .vcpus(spec.getResources().getCpus())
                .accel(facts.host().accel())
                .arch(facts.host().arch())
                .firmware(spec.getFirmware())
                .tpm(!Boolean.FALSE.equals(spec.getTpm()))
                .nvramPath(layout.nvram(key))
                .diskPath(layout.disk(key, spec.getDisk().getFormat()))
                .serialLogPath(layout.serialLog(key))
                .smbiosStrings(SshCredentials.smbiosStrings(spec.getSsh().getUser(), keys, overSsh ? facts.publicKey() : null))
                .network(spec.getNetwork())
                .networkName(spec.getNetworkName())
                .sshPort(facts.sshPort())
                .forwards(spec.portsOrEmpty())
                .cloudInitSeed(facts.seed())
                .metadata(new PbMetadata(key.namespace(), key.name(), vm.getMetadata().getUid(), spec.getImage(), facts.digest(),
                        facts.sshPort(), spec.getSsh().getUser(), facts.privateKey().toString(), facts.created(), null));
        if (!spec.volumesOrEmpty().isEmpty()) {
            facts.host().volumesRefused().ifPresent(why -> {
                throw Failure.VirtiofsdMissing.with(why);
            });
            b.virtiofsd(facts.host().virtiofsd().orElseThrow(() -> Failure.VirtiofsdMissing.with(
                    "volumes need virtiofsd, which this host lacks: install the package virtiofsd (Fedora, Debian 13)"
                            + " or qemu-system-common (Debian 12), or run pb doctor --fix")));
            b.volumes(spec.volumesOrEmpty());
            if (spec.volumesOrEmpty().stream().anyMatch(VolumeMount::readOnly)) b.virtiofsdReadOnly(layout.readOnlyVirtiofsd());
            List<DomainSpec.SharedFolder> folders = b.build().sharedFolders();
            if (overSsh) GuestMounts.credentials(folders).forEach(b::smbiosString);
            else FstabCredential.of(folders).ifPresent(b::smbiosString);
        }
        DomainSpec unhashed = b.build();
        return withMetadata(unhashed, unhashed.metadata().withSpecHash(hash(unhashed)));
    }

    /** What defining {@code desired} over what libvirt has would change. */
    static Change compare(Optional<Domain> existing, DomainSpec desired) {
        if (existing.isEmpty()) return Change.CREATE;
        String recorded = existing.get().pbMetadata().map(PbMetadata::specHash).orElse(null);
        String wanted = desired.metadata().specHash();
        if (wanted.equals(recorded)) return Change.NONE;
        // a domain defined before pb recorded hashes, or from this spec by an earlier pb (its own rendering changed):
        // redefined quietly, the user asked for no reboot; the new definition is what its next boot gets
        if (recorded == null || recorded.equals(legacyHash(desired))) return Change.UPDATE;
        // an in-place update (pb upgrade, pb switch) moved the image and digest in the guest, not in the domain: only
        // the metadata recording them follows, quietly
        PbMetadata m = existing.get().pbMetadata().orElseThrow();
        if (recorded.equals(hash(withMetadata(desired, desired.metadata().withImage(m.image(), m.digest()))))) return Change.UPDATE;
        return existing.get().running() ? Change.UPDATE_RESTART_REQUIRED : Change.UPDATE;
    }

    /** SHA-256 of everything the XML is made from (the record's own rendering; the hash itself is not in it). */
    /**
     * Fields added to {@link DomainSpec} after domains were first hashed: left out of the text while unset, so a domain
     * an earlier pb defined is recognised by {@link #legacyHash}.
     */
    private static final java.util.List<String> LATER_FIELDS = java.util.List.of("virtiofsdReadOnly", "networkName");
    /**
     * The XML made from a spec changed (shared memory and free PCIe ports for hot-plugged shares, pb upgrade; one vCPU
     * under TCG): the hash says which rendering it is of, so a domain defined before is redefined.
     */
    private static final String RENDERING = "xml 3\n";

    static String hash(DomainSpec spec) {
        return sha256(RENDERING + text(spec));
    }

    /**
     * What pb 4d22b0e recorded for this spec: a domain recording it was made from the same spec by an earlier pb, whose
     * only difference is pb's own rendering, which is applied at its next boot with no RestartRequired.
     */
    static String legacyHash(DomainSpec spec) {
        return sha256(text(spec));
    }

    private static String text(DomainSpec spec) {
        DomainSpec plain = spec.metadata() == null ? spec : withMetadata(spec, spec.metadata().withSpecHash(null));
        String text = plain.toString();
        for (String field : LATER_FIELDS) text = text.replace(", " + field + "=null", "");
        return text;
    }

    private static String sha256(String text) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DomainSpec withMetadata(DomainSpec s, PbMetadata m) {
        return new DomainSpec(s.name(), s.memoryMiB(), s.vcpus(), s.accel(), s.arch(), s.firmware(), s.tpm(), s.nvramPath(),
                s.diskPath(), s.serialLogPath(), s.smbiosStrings(), s.network(), s.sshPort(), s.forwards(), s.sharedFolders(),
                s.virtiofsd(), s.virtiofsdReadOnly(), s.cloudInitSeed(), m, s.networkName());
    }
}
