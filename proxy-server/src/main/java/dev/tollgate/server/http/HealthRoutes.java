package dev.tollgate.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Liveness and readiness probes (LiteLLM's paths). Neither needs a key. */
public final class HealthRoutes {
    private static final byte[] ALIVE = "\"I'm alive!\"".getBytes(StandardCharsets.UTF_8);

    private HealthRoutes() {}

    /** @param readiness builds the readiness details; called on the event loop, so it must not block */
    public static void register(Router router, Supplier<ObjectNode> readiness) {
        Route live = (req, ex) -> ex.json(200, ALIVE, null);
        router.add(HttpMethod.GET, "/health/liveliness", live);
        router.add(HttpMethod.GET, "/health/liveness", live);
        router.add(HttpMethod.GET, "/health/readiness", (req, ex) -> ex.json(200, Json.bytes(readiness.get()), null));
    }
}
