package dev.bootc.pb.reconcile;

import dev.bootc.pb.api.Failure;
import dev.bootc.pb.api.GuestImage;
import dev.bootc.pb.api.GuestStatus;

import java.util.Objects;

/**
 * The decisions of an in-place update, from the host's image and the guest's {@code bootc status} alone (no I/O):
 * whether to stage, only reboot, or do nothing, which bootc command stages, and whether the guest came back as meant.
 */
public final class UpdatePlan {
    /** Where the guest reads the host's container storage while it stages (the share's tag and mount point). */
    public static final String STORAGE_TAG = "pb-storage";
    public static final String STORAGE_MOUNT = "/run/pb-storage";

    /** What an update does. */
    public enum Action {
        /** The guest boots that digest already (and, for a switch, follows that reference): nothing is staged, nothing reboots. */
        UP_TO_DATE,
        /** The guest staged that digest already: a reboot applies it. */
        REBOOT_INTO_STAGED,
        /** The guest reads the image from the host's storage and stages it; a reboot applies it. */
        STAGE
    }

    private UpdatePlan() {
    }

    /**
     * {@code pb upgrade} ({@code switchTo} null) or {@code pb switch} ({@code switchTo} the reference the VM now follows):
     * compares the digest the host resolved with what the guest boots and stages. A switch to another reference of the
     * digest it boots still stages, so the guest follows the new reference (its origin names it).
     */
    public static Action decide(String hostDigest, String switchTo, GuestStatus guest) {
        Objects.requireNonNull(hostDigest, "hostDigest");
        GuestImage booted = guest.getBooted();
        if (booted == null || booted.getDigest() == null) {
            throw Failure.NotUpdatable.with("the guest's bootc status names no booted image: it does not boot a container image");
        }
        boolean bootsIt = hostDigest.equals(booted.getDigest()) && (switchTo == null || follows(booted, switchTo));
        if (bootsIt) return Action.UP_TO_DATE;
        GuestImage staged = guest.getStaged();
        if (staged != null && hostDigest.equals(staged.getDigest()) && (switchTo == null || follows(staged, switchTo))) {
            return Action.REBOOT_INTO_STAGED;
        }
        return Action.STAGE;
    }

    /**
     * The bootc command that stages {@code ref} from the host's storage: {@code bootc upgrade} when the guest follows
     * {@code containers-storage:ref} already ({@code bootc switch} to the spec it has says "Image specification is
     * unchanged" and stages nothing), else {@code bootc switch --transport containers-storage ref} (bcvk's manual flow).
     */
    public static String stageCommand(String ref, GuestStatus guest) {
        GuestImage spec = guest.getStaged() != null ? guest.getStaged() : guest.getBooted();
        if (spec != null && follows(spec, ref)) return "bootc upgrade";
        return "bootc switch --transport containers-storage " + quote(ref);
    }

    /**
     * The whole guest command line of a stage: mounts the share read-only, runs bootc with the storage as an additional
     * image store (read with the host's storage driver), and unmounts whatever bootc did; exits with bootc's status.
     */
    public static String stageScript(String bootcCommand, String storageDriver) {
        String m = STORAGE_MOUNT;
        return "mkdir -p " + m + " && mount -t virtiofs -o ro " + STORAGE_TAG + " " + m
                + " && { env STORAGE_OPTS=additionalimagestore=" + m + " STORAGE_DRIVER=" + quote(storageDriver) + " "
                + bootcCommand + "; rc=$?; umount " + m + "; exit $rc; }";
    }

    /** {@code pb rollback}: the guest must have a rollback deployment; a rollback queued already needs only the reboot. */
    public static boolean rollbackNeedsCommand(String vm, GuestStatus guest) {
        if (guest.getRollback() == null) {
            throw Failure.UpdateFailed.with("VM " + vm + " has no rollback deployment (bootc status shows none): nothing to roll back to");
        }
        return !Boolean.TRUE.equals(guest.getRollbackQueued());
    }

    /** After the reboot: the guest must boot {@code digest}; else the update failed (and says what it boots instead). */
    public static void checkBooted(String vm, String digest, GuestStatus after) {
        String booted = after.bootedDigest().orElse(null);
        if (!digest.equals(booted)) {
            throw Failure.UpdateFailed.with("VM " + vm + " booted " + booted + " after the reboot, not " + digest
                    + (after.getStaged() != null ? " (still staged: " + after.getStaged().getDigest() + ")" : ""));
        }
    }

    /** After staging: the guest must have staged {@code digest}. */
    public static void checkStaged(String vm, String digest, GuestStatus after) {
        String staged = after.stagedDigest().orElse(null);
        if (!digest.equals(staged)) {
            throw Failure.UpdateFailed.with("VM " + vm + " staged " + staged + ", not " + digest + ": nothing was changed; see its bootc status");
        }
    }

    /** Whether the deployment follows {@code containers-storage:ref} (the form pb stages, bootc switch's and upgrade's origin). */
    static boolean follows(GuestImage image, String ref) {
        return "containers-storage".equals(image.getTransport()) && sameRef(ref, image.getImage());
    }

    /** References equal as containers-storage resolves them: a missing tag is :latest, a bare name is under localhost/. */
    static boolean sameRef(String a, String b) {
        return a != null && b != null && normal(a).equals(normal(b));
    }

    private static String normal(String ref) {
        String r = ref.strip();
        String last = r.substring(r.lastIndexOf('/') + 1);
        if (!last.contains(":") && !last.contains("@")) r = r + ":latest";
        String first = r.contains("/") ? r.substring(0, r.indexOf('/')) : "";
        if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) r = "localhost/" + r;
        return r;
    }

    static String quote(String s) {
        if (s.matches("[A-Za-z0-9_@%+=:,./-]+")) return s;
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }
}
