package dev.bootc.pb.driver;

import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.DomainEvent;
import dev.bootc.pb.reconcile.Outcome;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which libvirt events of a VM are news to the operator, so that a change costs one pass: a pass that defines and
 * starts a domain hears libvirt say so, during the pass or after it, and another pass would only find what the first
 * one left. An event is judged against what the VM's last pass left: a domain left running (Starting or Running) is
 * news only when it stops, crashes, pauses or goes; one left stopped only when it starts or goes. Events heard while
 * a pass runs are judged when it ends. A VM whose last pass left anything else (failed, stopping, unknown) takes every
 * event as news; so does one no pass has seen. The periodic resync looks at every VM whatever was heard.
 */
final class OwnEvents {
    private static final Set<DomainEvent.Type> NEWS_WHEN_RUNNING = EnumSet.of(DomainEvent.Type.UNDEFINED, DomainEvent.Type.STOPPED,
            DomainEvent.Type.SHUTDOWN, DomainEvent.Type.CRASHED, DomainEvent.Type.SUSPENDED, DomainEvent.Type.PMSUSPENDED, DomainEvent.Type.UNKNOWN);
    private static final Set<DomainEvent.Type> NEWS_WHEN_STOPPED = EnumSet.of(DomainEvent.Type.UNDEFINED, DomainEvent.Type.STARTED,
            DomainEvent.Type.RESUMED, DomainEvent.Type.CRASHED, DomainEvent.Type.UNKNOWN);

    /** What each VM's last pass left: true running, false stopped; absent: unknown. */
    private final Map<VmKey, Boolean> left = new HashMap<>();
    private final Map<VmKey, Set<DomainEvent.Type>> heard = new HashMap<>();
    private final Set<VmKey> passing = new HashSet<>();

    /** Whether {@code type} for {@code key} needs a pass; false also when it is held for the pass now running. */
    synchronized boolean isNews(VmKey key, DomainEvent.Type type) {
        if (passing.contains(key)) {
            heard.computeIfAbsent(key, k -> EnumSet.noneOf(DomainEvent.Type.class)).add(type);
            return false;
        }
        return news(left.get(key), type);
    }

    synchronized void passBegins(VmKey key) {
        passing.add(key);
    }

    /** Records what the pass left ({@code outcome} null: it failed to run); whether an event heard meanwhile is news to it. */
    synchronized boolean passEnds(VmKey key, Outcome outcome) {
        passing.remove(key);
        Boolean running = leftRunning(outcome);
        if (running == null || outcome.deleted()) left.remove(key);
        else left.put(key, running);
        Set<DomainEvent.Type> meanwhile = heard.remove(key);
        return meanwhile != null && meanwhile.stream().anyMatch(t -> news(running, t));
    }

    private static Boolean leftRunning(Outcome outcome) {
        if (outcome == null || outcome.status() == null || outcome.status().getPhase() == null) return null;
        Phase p = outcome.status().getPhase();
        return p == Phase.Running || p == Phase.Starting ? Boolean.TRUE : p == Phase.Stopped ? Boolean.FALSE : null;
    }

    private static boolean news(Boolean running, DomainEvent.Type type) {
        if (running == null) return true;
        return (running ? NEWS_WHEN_RUNNING : NEWS_WHEN_STOPPED).contains(type);
    }
}
