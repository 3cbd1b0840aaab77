package dev.tollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.LeakGuard;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The deadline of a request, counted from its first byte, on the server's real pipeline. */
class RequestDeadlineHandlerTest {
    static {
        LeakGuard.install();
    }

    private static final long DEADLINE_MS = 1000;

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    private static void elapse(Front f, long millis) {
        f.ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        f.ch.runScheduledPendingTasks();
    }

    @Test
    void aHeadTrickledOneByteAtATimeGets408AtTheDeadline() {
        Front f = new Front(1000, DEADLINE_MS);
        String head = "GET /fast HTTP/1.1\r\nHost: x\r\nX-Padding: " + "p".repeat(100) + "\r\n";
        // One header byte every 50 ms: never idle, and the head is never complete.
        for (int i = 0; i < 19; i++) {
            f.sendByteByByte(head.substring(i, i + 1));
            elapse(f, 50);
        }
        assertThat(f.written()).isEmpty();
        f.sendByteByByte(head.substring(19, 20));
        elapse(f, 60);
        String out = f.written();
        assertThat(Front.statuses(out)).containsExactly(408);
        assertThat(out).contains("\"code\":\"request_timeout\"").contains("connection: close");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.started).isEmpty();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aTrickledBodyGets408AndClose() {
        Front f = new Front(1000, DEADLINE_MS);
        f.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{");
        elapse(f, DEADLINE_MS + 10);
        String out = f.written();
        assertThat(Front.statuses(out)).containsExactly(408);
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.started).isEmpty();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aCompleteRequestCancelsTheDeadlineAndTheNextRequestGetsItsOwn() {
        Front f = new Front(1000, DEADLINE_MS);
        f.send(Front.get("/fast?n=1"));
        elapse(f, DEADLINE_MS * 3);
        assertThat(Front.statuses(f.written())).containsExactly(200);
        assertThat(f.ch.isOpen()).isTrue();
        // Blank lines between requests do not start a deadline on an idle connection.
        f.send("\r\n");
        elapse(f, DEADLINE_MS * 3);
        assertThat(f.written()).isEmpty();
        assertThat(f.ch.isOpen()).isTrue();
        f.send("GET /fast?n=2 HTTP/1.1\r\n");
        elapse(f, DEADLINE_MS / 2);
        f.send("Host: x\r\n\r\n");
        assertThat(Front.statuses(f.written())).containsExactly(200);
        elapse(f, DEADLINE_MS * 3);
        assertThat(f.written()).isEmpty();
        assertThat(f.ch.isOpen()).isTrue();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aRequestStillBeingAnsweredHasNoDeadline() {
        Front f = new Front(1000, DEADLINE_MS);
        f.send(Front.post("/slow", "{}"));
        elapse(f, DEADLINE_MS * 5);
        assertThat(f.written()).isEmpty();
        f.answerSlow("late");
        assertThat(Front.statuses(f.written())).containsExactly(200);
        assertThat(f.ch.isOpen()).isTrue();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }
}
