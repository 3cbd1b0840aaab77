package dev.tollgate.core.config;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The upstream providers Tollgate speaks, by LiteLLM prefix. All but Anthropic speak the OpenAI
 * chat completions wire format ({@code /chat/completions}, {@code /embeddings}); Anthropic's
 * Messages API is translated. A LiteLLM provider prefix not listed here (for instance
 * {@code bedrock/}, {@code vertex_ai/}, {@code cohere/}) is a config error naming the deployment,
 * rather than a deployment that fails at its first call.
 */
final class Providers {
    private Providers() {}

    /**
     * One provider.
     *
     * @param defaultApiBase its own endpoint, or null when the deployment must set {@code api_base}
     * @param keyVariables   environment variables read, in order, for the key when {@code api_key}
     *                       is not set (LiteLLM's names)
     */
    record Provider(String name, String defaultApiBase, List<String> keyVariables) {}

    private static final Map<String, Provider> ALL = index(
            // Existing behaviour: these never read a key from the environment.
            new Provider("openai", "https://api.openai.com/v1", List.of()),
            new Provider("mistral", "https://api.mistral.ai/v1", List.of()),
            new Provider("azure", null, List.of()),
            new Provider("custom_openai", null, List.of()),
            new Provider("openai_like", null, List.of()),
            new Provider("groq", "https://api.groq.com/openai/v1", List.of("GROQ_API_KEY")),
            new Provider("deepseek", "https://api.deepseek.com/v1", List.of("DEEPSEEK_API_KEY")),
            new Provider(
                    "together_ai",
                    "https://api.together.xyz/v1",
                    List.of("TOGETHERAI_API_KEY", "TOGETHER_AI_API_KEY", "TOGETHER_API_KEY")),
            new Provider(
                    "fireworks_ai",
                    "https://api.fireworks.ai/inference/v1",
                    List.of("FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY", "FIREWORKSAI_API_KEY")),
            new Provider("openrouter", "https://openrouter.ai/api/v1", List.of("OPENROUTER_API_KEY", "OR_API_KEY")),
            new Provider(
                    "perplexity", "https://api.perplexity.ai", List.of("PERPLEXITYAI_API_KEY", "PERPLEXITY_API_KEY")),
            new Provider("xai", "https://api.x.ai/v1", List.of("XAI_API_KEY")),
            new Provider("cerebras", "https://api.cerebras.ai/v1", List.of("CEREBRAS_API_KEY")),
            // Google's OpenAI-compatible endpoint, not the native generateContent API.
            new Provider(
                    "gemini", "https://generativelanguage.googleapis.com/v1beta/openai", List.of("GEMINI_API_KEY")),
            new Provider("hosted_vllm", null, List.of("HOSTED_VLLM_API_KEY")),
            // Ollama's OpenAI-compatible endpoint lives under /v1 of the server (see apiBaseFor).
            new Provider("ollama_chat", "http://localhost:11434/v1", List.of("OLLAMA_API_KEY")),
            // Anthropic's Messages API, translated to and from chat completions.
            new Provider("anthropic", "https://api.anthropic.com", List.of("ANTHROPIC_API_KEY")));

    private static Map<String, Provider> index(Provider... providers) {
        Map<String, Provider> out = new HashMap<>();
        for (Provider p : providers) {
            out.put(p.name(), p);
        }
        return Map.copyOf(out);
    }

    /** The provider of a prefix (any case), or null when Tollgate does not speak it. */
    static Provider of(String provider) {
        return ALL.get(provider.toLowerCase(Locale.ROOT));
    }

    static boolean speaks(String provider) {
        return of(provider) != null;
    }

    /** The provider's own endpoint, or null when the deployment must set {@code api_base}. */
    static String defaultApiBase(String provider) {
        Provider p = of(provider);
        return p == null ? null : p.defaultApiBase();
    }

    /**
     * The base URL requests are sent under, from a configured one. LiteLLM's {@code ollama_chat/}
     * takes the server's root ({@code http://host:11434}) and speaks Ollama's native API; Tollgate
     * speaks the OpenAI-compatible one under {@code /v1} of that root, so it adds {@code /v1}.
     */
    static String apiBaseFor(String provider, String configured) {
        if (!provider.equalsIgnoreCase("ollama_chat")) {
            return configured;
        }
        String base = configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
        return base.endsWith("/v1") ? base : base + "/v1";
    }

    /** The key from the first of the provider's variables that is set and not blank; null when none is. */
    static String keyFromEnvironment(String provider, Map<String, String> env) {
        Provider p = of(provider);
        if (p == null) {
            return null;
        }
        for (String name : p.keyVariables()) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }

    /** The supported prefixes, for error messages: {@code anthropic/, azure/, ...}. */
    static String supportedList() {
        Set<String> all = new TreeSet<>(ALL.keySet());
        StringBuilder out = new StringBuilder();
        for (String p : all) {
            out.append(out.length() == 0 ? "" : ", ").append(p).append('/');
        }
        return out.toString();
    }
}
