package dev.bootc.pb.driver;


import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The operator's queue: one worker per key, changes while held run again, delayed wishes wait. */
class WorkQueueTest {
    @Test
    void aChangeWhileHeldRunsAgainRightAfter() throws Exception {
        WorkQueue<String> q = new WorkQueue<>();
        q.add("a", Duration.ZERO);
        assertEquals("a", q.take(Duration.ofSeconds(1)));
        q.add("a", Duration.ZERO);
        assertNull(q.take(Duration.ofMillis(100)), "not handed to a second worker while held");
        q.done("a");
        assertEquals("a", q.take(Duration.ofSeconds(1)));
    }

    @Test
    void aDelayedRequeueFromTheWorkerWaitsItsTime() throws Exception {
        WorkQueue<String> q = new WorkQueue<>();
        q.add("a", Duration.ZERO);
        assertEquals("a", q.take(Duration.ofSeconds(1)));
        q.add("a", Duration.ofMillis(800));
        q.done("a");
        assertNull(q.take(Duration.ofMillis(300)), "a back-off is not turned into an immediate retry");
        assertEquals("a", q.take(Duration.ofSeconds(2)));
    }
}
