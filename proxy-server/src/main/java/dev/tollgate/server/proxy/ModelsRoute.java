package dev.tollgate.server.proxy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.handler.codec.http.FullHttpRequest;

/** {@code GET /v1/models}: the public model names of the config, in OpenAI's list shape. */
final class ModelsRoute implements Route {
    private final MasterKeyAuth auth;
    private final byte[] body;

    ModelsRoute(MasterKeyAuth auth, DeploymentSelector deployments) {
        this.auth = auth;
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long created = System.currentTimeMillis() / 1000;
        for (String name : deployments.modelNames()) {
            data.addObject()
                    .put("id", name)
                    .put("object", "model")
                    .put("created", created)
                    .put("owned_by", "tollgate");
        }
        this.body = Json.bytes(root);
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        auth.check(request.headers());
        exchange.json(200, body, null);
    }
}
