package dev.tollgate.server.budget;

/** Config snippets shared by the budget suites. Prices give whole nano-dollars per token. */
final class Configs {
    /** USD per token: 2,000 nano-dollars in, 4,000 out. */
    static final long IN_NANOS = 2_000;

    static final long OUT_NANOS = 4_000;

    private Configs() {}

    /** A built-in mock model answering {@code reply}, with this file's prices. */
    static String mockModel(String name, String reply) {
        return "  - model_name: " + name + "\n"
                + "    litellm_params: {model: openai/gpt-3.5-turbo, mock_response: \"" + reply + "\"}\n"
                + "    model_info: {input_cost_per_token: 0.000002, output_cost_per_token: 0.000004}\n";
    }

    /** A model relayed to the fake upstream at {@code baseUrl}, with this file's prices. */
    static String upstreamModel(String name, String baseUrl) {
        return "  - model_name: " + name + "\n"
                + "    litellm_params: {model: openai/gpt-4o, api_base: \"" + baseUrl + "\", api_key: sk-upstream}\n"
                + "    model_info: {input_cost_per_token: 0.000002, output_cost_per_token: 0.000004}\n";
    }

    static long cost(long promptTokens, long completionTokens) {
        return promptTokens * IN_NANOS + completionTokens * OUT_NANOS;
    }
}
