package dev.tollgate.server.proxy;

import dev.tollgate.core.usage.Usage;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.proxy.RelayOutcome.Answered;
import dev.tollgate.server.proxy.RelayOutcome.Broken;
import dev.tollgate.server.proxy.RelayOutcome.Refused;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The call side of a relay in handler-level tests: records the outcomes a relay reports and, as
 * the real call does once it has settled, sends an answer's last bytes at once. An estimate counts
 * one completion token per character, so a test can tell what text it was given.
 */
final class RecordingCall implements RelayedCall {
    static final long ESTIMATED_PROMPT = 7;

    final List<RelayOutcome> outcomes = new ArrayList<>();
    /** The body of a {@link Refused} outcome, read before it was released. */
    String refusedBody;

    @Override
    public HttpHeaders answerHeaders(Usage usage) {
        HttpHeaders h = Headers.outgoing();
        h.set("x-litellm-call-id", "call-1");
        if (usage != null) {
            h.set("x-litellm-response-cost", Long.toString(usage.totalTokens()));
        }
        return h;
    }

    @Override
    public Usage estimate(String completionText) {
        return new Usage(ESTIMATED_PROMPT, completionText.length(), 0, true);
    }

    @Override
    public void end(RelayOutcome outcome) {
        outcomes.add(outcome);
        if (outcome instanceof Answered a) {
            a.sendLast().run();
        } else if (outcome instanceof Broken b) {
            b.sendLast().run();
        } else if (outcome instanceof Refused r) {
            refusedBody = r.body().toString(StandardCharsets.UTF_8);
            r.body().release();
        }
    }

    /** The one outcome reported; fails when there were none or several. */
    RelayOutcome outcome() {
        if (outcomes.size() != 1) {
            throw new AssertionError("expected exactly one outcome, got " + outcomes);
        }
        return outcomes.get(0);
    }
}
