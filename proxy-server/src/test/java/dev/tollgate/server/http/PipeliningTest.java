package dev.tollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testing.LeakGuard;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Pipelined requests on one connection (several requests in one read, before any answer) are
 * started one at a time and answered in the order they arrived, whatever their routes' speed; a
 * request behind one that closes the connection is never started.
 */
class PipeliningTest {
    static {
        LeakGuard.install();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        LeakGuard.assertNoLeaks();
    }

    @Test
    void aSlowPostIsAnsweredBeforeTheGetsPipelinedBehindIt() {
        Front f = new Front(1000, 30_000);
        f.send(Front.post("/slow", "{}") + Front.get("/fast?n=1") + Front.get("/fast?n=2", "Connection: close"));
        // The GETs wait: they are not even started while the POST is open.
        assertThat(f.started).containsExactly("POST /slow");
        assertThat(f.written()).isEmpty();
        assertThat(f.ch.isOpen()).isTrue();

        f.answerSlow("post");
        String out = f.written();
        assertThat(f.started).containsExactly("POST /slow", "GET /fast?n=1", "GET /fast?n=2");
        assertThat(Front.statuses(out)).containsExactly(200, 200, 200);
        assertThat(out.indexOf("\"answer\":\"post\"")).isPositive().isLessThan(out.indexOf("\"answer\":\"/fast?n=1\""));
        assertThat(out.indexOf("\"answer\":\"/fast?n=1\"")).isLessThan(out.indexOf("\"answer\":\"/fast?n=2\""));
        // The last GET asked to close: the connection closes after its answer, not before the POST's.
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aRequestPipelinedBehindConnectionCloseIsNeverStarted() {
        Front f = new Front(1000, 30_000);
        f.send(Front.post("/slow", "{}", "Connection: close") + Front.post("/slow", "{\"second\":1}"));
        assertThat(f.started).containsExactly("POST /slow");
        f.answerSlow("first");
        assertThat(Front.statuses(f.written())).containsExactly(200);
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.started).containsExactly("POST /slow");
        assertThat(f.held).isEmpty();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void manyPipelinedRequestsAreAnsweredInOrder() {
        Front f = new Front(1000, 30_000);
        StringBuilder burst = new StringBuilder(Front.post("/slow", "{}"));
        for (int i = 0; i < 120; i++) {
            burst.append(Front.get("/fast?n=" + i));
        }
        f.send(burst.toString());
        assertThat(f.started).hasSize(1);
        f.answerSlow("post");
        String out = f.written();
        assertThat(Front.statuses(out)).hasSize(121);
        int previous = out.indexOf("\"answer\":\"post\"");
        for (int i = 0; i < 120; i++) {
            int at = out.indexOf("\"answer\":\"/fast?n=" + i + "\"");
            assertThat(at).isGreaterThan(previous);
            previous = at;
        }
        assertThat(f.ch.isOpen()).isTrue();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void beyondTheCodecsPipelineDepthTheOpenRequestIsStillAnsweredThenTheConnectionCloses() {
        Front f = new Front(1000, 30_000);
        StringBuilder burst = new StringBuilder(Front.post("/slow", "{}"));
        for (int i = 0; i < 200; i++) {
            burst.append(Front.get("/fast?n=" + i));
        }
        f.send(burst.toString());
        assertThat(f.ch.isOpen()).isTrue();
        f.answerSlow("post");
        String out = f.written();
        assertThat(Front.statuses(out)).containsExactly(200);
        assertThat(out).contains("\"answer\":\"post\"");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.started).containsExactly("POST /slow");
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aMalformedRequestBehindAnOpenOneIsAnsweredAfterIt() {
        Front f = new Front(1000, 30_000);
        f.send(Front.post("/slow", "{}") + "POST /x HTTP/1.1\r\nContent-Length: twelve\r\n\r\n");
        assertThat(f.written()).isEmpty();
        assertThat(f.ch.isOpen()).isTrue();
        f.answerSlow("post");
        String out = f.written();
        assertThat(Front.statuses(out)).containsExactly(200, 400);
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void anOversizedBodyBehindAnOpenRequestIsAnsweredAfterIt() {
        Front f = new Front(10, 30_000);
        f.send(Front.post("/slow", "{}") + Front.post("/slow", "{\"much too long\":1}"));
        assertThat(f.written()).isEmpty();
        f.answerSlow("post");
        String out = f.written();
        assertThat(Front.statuses(out)).containsExactly(200, 413);
        assertThat(out).contains("\"code\":\"request_too_large\"");
        assertThat(f.started).containsExactly("POST /slow");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aTimedOutPipelinedRequestGets408OnlyAfterTheOpenOnesAnswer() {
        Front f = new Front(1000, 50);
        // The second request's body never completes: its deadline runs out while the first is open.
        f.send(Front.post("/slow", "{}") + "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{");
        f.ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        f.ch.runScheduledPendingTasks();
        assertThat(f.written()).isEmpty();
        assertThat(f.ch.isOpen()).isTrue();
        f.answerSlow("post");
        String out = f.written();
        assertThat(Front.statuses(out)).containsExactly(200, 408);
        assertThat(f.started).containsExactly("POST /slow");
        assertThat(f.ch.isOpen()).isFalse();
        assertThat(f.ch.finishAndReleaseAll()).isFalse();
    }
}
