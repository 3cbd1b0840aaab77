package dev.tollgate.admin.spend;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.PendingBatch;
import java.io.UncheckedIOException;

/**
 * A quarantined batch as JSON text: everything needed to apply it by hand. Every character outside
 * ASCII is escaped, so any customer id (NUL, lone surrogates, what the database refused) survives
 * the trip into a TEXT column exactly.
 */
final class QuarantinePayload {
    private static final ObjectWriter WRITER = Json.MAPPER.writer().with(JsonGenerator.Feature.ESCAPE_NON_ASCII);
    private static final int MAX_ERROR_CHARS = 2000;

    private QuarantinePayload() {}

    static String json(PendingBatch b) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("batch_id", b.batchId());
        o.put("customer_id", b.customerId());
        ArrayNode periods = o.putArray("spend_by_period");
        for (PendingBatch.PeriodSpend p : b.spendByPeriod()) {
            periods.addObject().put("period_end_ms", p.periodEndMs()).put("spend_nanos", p.spendNanos());
        }
        ArrayNode daily = o.putArray("daily");
        for (PendingBatch.DailyUsage d : b.daily()) {
            daily.addObject()
                    .put("day", d.day())
                    .put("model", d.model())
                    .put("requests", d.requests())
                    .put("successful_requests", d.successfulRequests())
                    .put("prompt_tokens", d.promptTokens())
                    .put("completion_tokens", d.completionTokens())
                    .put("spend_nanos", d.spendNanos());
        }
        ArrayNode models = o.putArray("model_spend");
        for (PendingBatch.ModelSpend m : b.modelSpend()) {
            models.addObject()
                    .put("period_end_ms", m.periodEndMs())
                    .put("model", m.model())
                    .put("spend_nanos", m.spendNanos());
        }
        try {
            return WRITER.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The error, one line, ASCII only, bounded. */
    static String describe(Exception error) {
        return printable(error == null ? "unknown" : error.toString());
    }

    /** {@code text} with every character outside printable ASCII as '?', bounded (for logs). */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_ERROR_CHARS));
        for (int i = 0; i < text.length() && out.length() < MAX_ERROR_CHARS; i++) {
            char ch = text.charAt(i);
            out.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return out.toString();
    }
}
