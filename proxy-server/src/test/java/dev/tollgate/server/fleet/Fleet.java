package dev.tollgate.server.fleet;

import dev.tollgate.server.TestProxy;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * N in-JVM Tollgate instances, each a full server on its own port with its own data directory,
 * sharing one Redis and one PostgreSQL, all under one random Redis key prefix.
 */
final class Fleet implements AutoCloseable {
    static final String MODEL = "gpt-4o";
    final List<TestProxy> instances = new ArrayList<>();
    final String prefix = "tgfleet-" + UUID.randomUUID() + ":";

    /**
     * Prices: $1 per million input tokens, $2 per million output tokens. Spend is flushed every
     * second unless {@code extraGeneral} sets {@code proxy_batch_write_at}.
     */
    static String config(String upstream, String redisUrl, String databaseUrl, String prefix, String extraGeneral) {
        String yaml =
                """
                model_list:
                  - model_name: %s
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream,
                                     input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
                general_settings:
                  master_key: %s
                  redis_url: "%s"
                  database_url: "%s"
                  redis_key_prefix: "%s"
                  proxy_batch_write_at: 1
                %s
                """.formatted(MODEL, upstream, TestProxy.KEY, redisUrl, databaseUrl, prefix, indent(extraGeneral));
        return extraGeneral != null && extraGeneral.contains("proxy_batch_write_at:")
                ? yaml.replace("  proxy_batch_write_at: 1\n", "")
                : yaml;
    }

    private static String indent(String extra) {
        if (extra == null || extra.isBlank()) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String line : extra.strip().split("\n")) {
            b.append("  ").append(line).append('\n');
        }
        return b.toString();
    }

    static Fleet start(int n, String upstream, String redisUrl, String databaseUrl, String extraGeneral)
            throws Exception {
        Fleet f = new Fleet();
        try {
            for (int i = 0; i < n; i++) {
                f.instances.add(TestProxy.start(config(upstream, redisUrl, databaseUrl, f.prefix, extraGeneral)));
            }
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

    TestProxy get(int i) {
        return instances.get(i);
    }

    /** Runs one flush pass on every instance. */
    void flushAll() throws Exception {
        for (TestProxy p : instances) {
            if (p.server().settleBatches() != null) {
                p.server().settleBatches().flush().toCompletableFuture().get();
            }
            p.server().flusher().flushNow().get();
        }
    }

    static String chat(String user) {
        return "{\"model\":\"" + MODEL + "\",\"user\":\"" + user + "\",\"max_tokens\":50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    }

    /** {@code x-litellm-response-cost} of a response in whole nano-dollars (exact decimal). */
    static long costNanos(HttpResponse<?> r) {
        String c = r.headers()
                .firstValue("x-litellm-response-cost")
                .orElseThrow(() -> new AssertionError("no cost header"));
        return new BigDecimal(c).movePointRight(9).longValueExact();
    }

    @Override
    public void close() {
        for (TestProxy p : instances) {
            try {
                p.close();
            } catch (RuntimeException ignored) {
                // keep closing the others
            }
        }
    }
}
