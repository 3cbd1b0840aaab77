package dev.tollgate.core.anthropic;

/** Anthropic's {@code stop_reason} as an OpenAI {@code finish_reason}. */
final class StopReasons {
    private StopReasons() {}

    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            // end_turn, stop_sequence, pause_turn and reasons added later: the turn ended normally.
            default -> "stop";
        };
    }
}
