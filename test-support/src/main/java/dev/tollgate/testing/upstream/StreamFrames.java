package dev.tollgate.testing.upstream;

/**
 * Renders the SSE events of one streamed chat completion, each as {@code data: <json>\n\n}.
 *
 * <p>Chunk shape (field order as OpenAI sends it):
 * {@code {"id","object":"chat.completion.chunk","created","model","system_fingerprint",
 * "choices":[{"index":0,"delta":{...},"logprobs":null,"finish_reason":...}]}}, followed by
 * {@code "usage":null} only when the request asked for {@code include_usage}. The usage chunk is
 * {@code {"id","object","created","model","choices":[],"usage":{...}}}.
 */
final class StreamFrames {
    static final String DONE = "data: [DONE]\n\n";

    /** Everything up to the delta object, identical for every choice chunk of the stream. */
    private final String choicePrefix;
    /** Everything up to {@code "choices"} for the usage chunk. */
    private final String usagePrefix;

    private final String choiceSuffix;

    StreamFrames(String id, long created, String model, boolean includeUsage) {
        StringBuilder head = new StringBuilder(160);
        head.append("data: {\"id\":\"")
                .append(id)
                .append("\",\"object\":\"chat.completion.chunk\",\"created\":")
                .append(created)
                .append(",\"model\":");
        CompletionText.appendQuoted(head, model);
        this.usagePrefix = head.toString();
        this.choicePrefix = head.append(",\"system_fingerprint\":\"")
                .append(ResponseBodies.SYSTEM_FINGERPRINT)
                .append("\",\"choices\":[{\"index\":0,\"delta\":")
                .toString();
        this.choiceSuffix = includeUsage ? "}],\"usage\":null}\n\n" : "}]}\n\n";
    }

    /** The first chunk: the assistant role with empty content. */
    String role() {
        return choice("{\"role\":\"assistant\",\"content\":\"\"}", "null");
    }

    /** Content chunk {@code i} (0-based). */
    String content(int i) {
        return choice("{\"content\":\"" + CompletionText.piece(i) + "\"}", "null");
    }

    /** The empty-delta chunk carrying the finish reason ({@code stop} or {@code length}). */
    String finish(String reason) {
        return choice("{}", "\"" + reason + "\"");
    }

    /** The usage-only chunk with an empty choices array. */
    String usage(int promptTokens, int completionTokens) {
        StringBuilder sb =
                new StringBuilder(usagePrefix.length() + 96).append(usagePrefix).append(",\"choices\":[],\"usage\":");
        return ResponseBodies.appendUsage(sb, promptTokens, completionTokens)
                .append("}\n\n")
                .toString();
    }

    private String choice(String delta, String finishReason) {
        return new StringBuilder(choicePrefix.length() + delta.length() + 64)
                .append(choicePrefix)
                .append(delta)
                .append(",\"logprobs\":null,\"finish_reason\":")
                .append(finishReason)
                .append(choiceSuffix)
                .toString();
    }
}
