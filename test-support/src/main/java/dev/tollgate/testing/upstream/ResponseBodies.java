package dev.tollgate.testing.upstream;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Renders the complete (non-streaming) JSON bodies with the exact field order OpenAI uses. Bodies
 * that never change are built once; the per-request ones are written with a {@link StringBuilder}
 * because a fixed template is cheaper than a tree and keeps the order pinned.
 */
final class ResponseBodies {
    static final String SYSTEM_FINGERPRINT = "fp_fake";

    /** Answer to {@code GET /v1/models}. */
    static final byte[] MODELS = ("{\"object\":\"list\",\"data\":["
                    + "{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":1715367049,\"owned_by\":\"system\"},"
                    + "{\"id\":\"gpt-4o-mini\",\"object\":\"model\",\"created\":1721172741,\"owned_by\":\"system\"},"
                    + "{\"id\":\"text-embedding-3-small\",\"object\":\"model\",\"created\":1705948997,"
                    + "\"owned_by\":\"system\"}]}")
            .getBytes(UTF_8);

    static final byte[] SERVER_ERROR = error(
            "The server had an error while processing your request. " + "Sorry about that!", "server_error", null);

    static final byte[] RATE_LIMITED = error(
            "Rate limit reached for requests (fake upstream). " + "Please try again in 1s.",
            "requests",
            "rate_limit_exceeded");

    static final byte[] CONTEXT_LENGTH = error(
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. "
                    + "Please reduce the length of the messages.",
            "invalid_request_error",
            "context_length_exceeded");

    static final byte[] CONTENT_POLICY = error(
            "Your request was rejected as a result of our safety system.",
            "invalid_request_error",
            "content_policy_violation");

    private static final String EMBEDDING_VECTOR = "[0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0]";

    private ResponseBodies() {}

    /** {@code {"error":{"message","type","param":null,"code"}}}. */
    static byte[] error(String message, String type, String code) {
        ObjectNode root = FakeJson.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        return FakeJson.bytes(root);
    }

    /** OpenAI's wording for an unknown route. */
    static byte[] notFound(String method, String path) {
        return error(
                "Unknown request URL: " + method + " " + path
                        + ". Please check the URL for typos, or see the docs at https://platform.openai.com/docs/api-reference/.",
                "invalid_request_error",
                "unknown_url");
    }

    static byte[] badRequest(String message, String param) {
        ObjectNode root = FakeJson.MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", "invalid_request_error");
        error.put("param", param);
        error.putNull("code");
        return FakeJson.bytes(root);
    }

    /** A {@code chat.completion} whose content is {@code completionTokens} tokens. */
    static String chatCompletion(
            String id, long created, String model, int promptTokens, int completionTokens, String finishReason) {
        String content = CompletionText.content(completionTokens);
        StringBuilder sb = new StringBuilder(256 + content.length() + model.length());
        sb.append("{\"id\":\"")
                .append(id)
                .append("\",\"object\":\"chat.completion\",\"created\":")
                .append(created)
                .append(",\"model\":");
        CompletionText.appendQuoted(sb, model);
        sb.append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"")
                .append(content)
                .append("\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"")
                .append(finishReason)
                .append("\"}],\"usage\":");
        appendUsage(sb, promptTokens, completionTokens);
        return sb.append(",\"system_fingerprint\":\"")
                .append(SYSTEM_FINGERPRINT)
                .append("\"}")
                .toString();
    }

    /** One zero vector of 8 floats per input. */
    static String embeddings(String model, int inputs, int promptTokens) {
        StringBuilder sb = new StringBuilder(64 + inputs * 80);
        sb.append("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < inputs; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"object\":\"embedding\",\"index\":")
                    .append(i)
                    .append(",\"embedding\":")
                    .append(EMBEDDING_VECTOR)
                    .append('}');
        }
        sb.append("],\"model\":");
        CompletionText.appendQuoted(sb, model);
        return sb.append(",\"usage\":{\"prompt_tokens\":")
                .append(promptTokens)
                .append(",\"total_tokens\":")
                .append(promptTokens)
                .append("}}")
                .toString();
    }

    static StringBuilder appendUsage(StringBuilder sb, int promptTokens, int completionTokens) {
        return sb.append("{\"prompt_tokens\":")
                .append(promptTokens)
                .append(",\"completion_tokens\":")
                .append(completionTokens)
                .append(",\"total_tokens\":")
                .append((long) promptTokens + completionTokens)
                .append('}');
    }
}
