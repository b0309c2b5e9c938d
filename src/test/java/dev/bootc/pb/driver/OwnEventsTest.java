package dev.bootc.pb.driver;

import dev.bootc.pb.api.BootcVmStatus;
import dev.bootc.pb.api.Phase;
import dev.bootc.pb.api.VmKey;
import dev.bootc.pb.port.DomainEvent.Type;
import dev.bootc.pb.reconcile.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One pass per change: libvirt's echo of a pass's own define and start is no news; a stop, crash or removal always is. */
class OwnEventsTest {
    final OwnEvents own = new OwnEvents();
    final VmKey web = new VmKey("default", "web");

    static Outcome left(Phase phase) {
        BootcVmStatus st = new BootcVmStatus();
        st.setPhase(phase);
        return Outcome.settled(st, List.of());
    }

    @Test
    void aVmNoPassHasSeenTakesEveryEvent() {
        for (Type t : Type.values()) assertTrue(own.isNews(web, t), t.name());
    }

    @Test
    void thePassesOwnDefineAndStartHeardMeanwhileMakeNoSecondPass() {
        own.passBegins(web);
        assertFalse(own.isNews(web, Type.DEFINED), "held for the pass");
        assertFalse(own.isNews(web, Type.STARTED));
        assertFalse(own.passEnds(web, left(Phase.Running)), "what the pass did itself");
        // and after it: still its own echo
        assertFalse(own.isNews(web, Type.RESUMED));
        assertTrue(own.isNews(web, Type.STOPPED), "a stop of a running VM is news");
        assertTrue(own.isNews(web, Type.CRASHED));
        assertTrue(own.isNews(web, Type.UNDEFINED));
    }

    @Test
    void aStopHeardDuringAPassThatLeftTheVmRunningMakesAnotherPass() {
        own.passBegins(web);
        own.isNews(web, Type.STARTED);
        own.isNews(web, Type.SHUTDOWN);
        assertTrue(own.passEnds(web, left(Phase.Starting)));
    }

    @Test
    void aStoppedVmTakesAStartAsNewsAndItsOwnShutdownNot() {
        own.passBegins(web);
        own.isNews(web, Type.SHUTDOWN);
        own.isNews(web, Type.STOPPED);
        assertFalse(own.passEnds(web, left(Phase.Stopped)));
        assertTrue(own.isNews(web, Type.STARTED), "someone started a halted VM");
        assertFalse(own.isNews(web, Type.DEFINED));
    }

    @Test
    void aFailedOrThrownPassTakesEverythingHeardAsNews() {
        own.passBegins(web);
        own.isNews(web, Type.STARTED);
        assertTrue(own.passEnds(web, null), "the pass threw: what it left is unknown");
        own.passBegins(web);
        own.isNews(web, Type.DEFINED);
        assertTrue(own.passEnds(web, left(Phase.Failed)));
        assertTrue(own.isNews(web, Type.DEFINED));
    }
}
