package dev.tollgate.core.config;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The upstream providers Tollgate speaks, all of them through the OpenAI wire format
 * ({@code /chat/completions}, {@code /embeddings}). A LiteLLM provider prefix not listed here (for
 * instance {@code anthropic/}, {@code gemini/}, {@code bedrock/}, {@code groq/}) is a config error
 * naming the deployment, rather than a deployment that fails at its first call.
 */
final class Providers {
    private Providers() {}

    /** Providers with a well-known endpoint: {@code api_base} may be left out. */
    private static final Map<String, String> DEFAULT_API_BASE =
            Map.of("openai", "https://api.openai.com/v1", "mistral", "https://api.mistral.ai/v1");

    /** Providers that need an {@code api_base}: Azure OpenAI and self-hosted OpenAI-compatible servers. */
    private static final Set<String> WITH_API_BASE = Set.of("azure", "hosted_vllm", "custom_openai", "openai_like");

    static boolean speaks(String provider) {
        String p = provider.toLowerCase(Locale.ROOT);
        return DEFAULT_API_BASE.containsKey(p) || WITH_API_BASE.contains(p);
    }

    /** The provider's own endpoint, or null when the deployment must set {@code api_base}. */
    static String defaultApiBase(String provider) {
        return DEFAULT_API_BASE.get(provider.toLowerCase(Locale.ROOT));
    }

    /** The supported prefixes, for error messages: {@code azure/, custom_openai/, ...}. */
    static String supportedList() {
        Set<String> all = new TreeSet<>(DEFAULT_API_BASE.keySet());
        all.addAll(WITH_API_BASE);
        StringBuilder out = new StringBuilder();
        for (String p : all) {
            out.append(out.length() == 0 ? "" : ", ").append(p).append('/');
        }
        return out.toString();
    }
}
