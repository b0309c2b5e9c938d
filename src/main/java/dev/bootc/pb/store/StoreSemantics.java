package dev.bootc.pb.store;

import dev.bootc.pb.api.BootcVm;
import dev.bootc.pb.api.Json;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Objects;

/** The Kubernetes object rules both stores follow where the server does not do it for us. */
public final class StoreSemantics {
    private StoreSemantics() {
    }

    /** A timestamp as Kubernetes writes it: RFC 3339, UTC, whole seconds. */
    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** True when two specs differ (the rule for bumping generation). */
    public static boolean specChanged(BootcVm a, BootcVm b) {
        return !Json.tree(a.getSpec()).equals(Json.tree(b.getSpec()));
    }

    /** True when the user-writable metadata (labels, annotations, finalizers) differs. */
    public static boolean metadataChanged(BootcVm a, BootcVm b) {
        var ma = a.getMetadata();
        var mb = b.getMetadata();
        return !Objects.equals(nonNull(ma.getLabels()), nonNull(mb.getLabels()))
                || !Objects.equals(nonNull(ma.getAnnotations()), nonNull(mb.getAnnotations()))
                || !Objects.equals(ma.getFinalizers() == null ? new ArrayList<>() : ma.getFinalizers(),
                mb.getFinalizers() == null ? new ArrayList<>() : mb.getFinalizers());
    }

    public static boolean statusChanged(BootcVm a, BootcVm b) {
        return !Json.tree(a.getStatus()).equals(Json.tree(b.getStatus()));
    }

    private static Object nonNull(java.util.Map<String, String> m) {
        return m == null ? java.util.Map.of() : m;
    }
}
