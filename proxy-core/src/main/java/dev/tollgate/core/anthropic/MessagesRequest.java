package dev.tollgate.core.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;

/**
 * Translates a chat completions request body into a Messages API request body (a pure function).
 * Translated: {@code messages} (see {@link MessagesContent}), {@code max_tokens} /
 * {@code max_completion_tokens} (Anthropic requires one: the model's output limit by default),
 * {@code stop}, {@code temperature}, {@code top_p}, {@code stream}, {@code tools},
 * {@code tool_choice}, {@code parallel_tool_calls}, and the customer as {@code metadata.user_id}.
 * A field that asks for something the Messages API cannot do ({@code response_format} other than
 * text, {@code logprobs}, {@code logit_bias}, {@code seed}, penalties, {@code reasoning_effort})
 * is a 400 naming it rather than a request quietly answered without it; other fields that change
 * nothing in the answer ({@code user}, {@code store}, {@code service_tier}, ...) are not sent.
 */
public final class MessagesRequest {
    /** Output limit sent when neither the request nor the catalogue gives one. */
    static final int FALLBACK_MAX_TOKENS = 4096;

    private MessagesRequest() {}

    /**
     * @param chat             the client's chat completions body
     * @param upstreamModel    the Anthropic model id
     * @param modelMaxOutput   the model's output limit (0 = unknown)
     * @param customerId       the call's customer, sent as {@code metadata.user_id}; null for none
     * @throws TollgateException (400) when the body cannot be expressed in the Messages API
     */
    public static ObjectNode fromChat(JsonNode chat, String upstreamModel, int modelMaxOutput, String customerId) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("model", upstreamModel);
        JsonNode messages = chat.path("messages");
        String system = MessagesContent.system(messages);
        if (system != null) {
            out.put("system", system);
        }
        out.set("messages", MessagesContent.turns(messages));
        out.put("max_tokens", maxTokens(chat, modelMaxOutput));
        JsonNode stop = chat.get("stop");
        if (stop != null && !stop.isNull()) {
            ArrayNode sequences = out.putArray("stop_sequences");
            if (stop.isTextual()) {
                sequences.add(stop.textValue());
            } else {
                stop.forEach(s -> sequences.add(s.asText()));
            }
        }
        copyNumber(chat, out, "temperature");
        copyNumber(chat, out, "top_p");
        if (chat.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        JsonNode n = chat.get("n");
        if (n != null && n.isNumber() && n.asInt() != 1) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST, "Anthropic models answer with one choice: n must be 1", "n");
        }
        rejectUntranslatable(chat);
        Tools.translate(chat, out);
        if (customerId != null) {
            out.putObject("metadata").put("user_id", customerId);
        }
        return out;
    }

    /** Fields with no Messages API equivalent that would change the answer when honoured. */
    private static void rejectUntranslatable(JsonNode chat) {
        JsonNode format = chat.get("response_format");
        if (format != null
                && !format.isNull()
                && !"text".equals(format.path("type").asText())) {
            throw untranslatable("response_format", "structured output (response_format) is");
        }
        if (chat.path("logprobs").asBoolean(false) || chat.path("top_logprobs").asInt(0) > 0) {
            throw untranslatable("logprobs", "logprobs are");
        }
        JsonNode bias = chat.get("logit_bias");
        if (bias != null && bias.isObject() && bias.size() > 0) {
            throw untranslatable("logit_bias", "logit_bias is");
        }
        for (String penalty : new String[] {"frequency_penalty", "presence_penalty"}) {
            JsonNode v = chat.get(penalty);
            if (v != null && v.isNumber() && v.doubleValue() != 0) {
                throw untranslatable(penalty, penalty + " is");
            }
        }
        for (String key : new String[] {"seed", "reasoning_effort"}) {
            JsonNode v = chat.get(key);
            if (v != null && !v.isNull()) {
                throw untranslatable(key, key + " is");
            }
        }
    }

    private static TollgateException untranslatable(String param, String what) {
        return new TollgateException(
                ErrorKind.INVALID_REQUEST, what + " not supported by Anthropic models through Tollgate", param);
    }

    private static int maxTokens(JsonNode chat, int modelMaxOutput) {
        for (String key : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = chat.get(key);
            if (v != null && v.canConvertToInt() && v.asInt() > 0) {
                return v.asInt();
            }
        }
        return modelMaxOutput > 0 ? modelMaxOutput : FALLBACK_MAX_TOKENS;
    }

    private static void copyNumber(JsonNode from, ObjectNode to, String key) {
        JsonNode v = from.get(key);
        if (v != null && v.isNumber()) {
            to.set(key, v);
        }
    }
}
