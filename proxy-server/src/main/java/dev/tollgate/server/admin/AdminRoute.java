package dev.tollgate.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.admin.api.AdminApi;
import dev.tollgate.admin.api.AdminRequest;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bridges HTTP to the admin API: master key required, JSON body parsed here, the admin function
 * run on the JDBC executor (it blocks on the database), the answer written back on the event loop.
 */
public final class AdminRoute implements Route {
    private final MasterKeyAuth auth;
    private final AdminApi api;
    private final JdbcExecutor jdbc;

    public AdminRoute(MasterKeyAuth auth, AdminApi api, JdbcExecutor jdbc) {
        this.auth = auth;
        this.api = api;
        this.jdbc = jdbc;
    }

    @Override
    public void handle(FullHttpRequest http, Exchange exchange) {
        auth.check(http.headers());
        QueryStringDecoder uri = new QueryStringDecoder(http.uri());
        JsonNode body = null;
        if (http.content().isReadable()) {
            try (ByteBufInputStream in = new ByteBufInputStream(http.content().duplicate())) {
                body = Json.MAPPER.readTree((InputStream) in);
            } catch (IOException e) {
                throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body is not valid JSON.");
            }
        }
        AdminRequest request =
                new AdminRequest(http.method().name(), uri.path(), uri.parameters(), body, MasterKeyAuth.ADMIN_ACTOR);
        var loop = exchange.channel().eventLoop();
        jdbc.submit(() -> api.handle(request))
                .whenComplete((res, err) -> loop.execute(() -> {
                    if (err != null) {
                        exchange.error(err);
                    } else {
                        exchange.json(res.status(), Json.bytes(res.body()), null);
                    }
                }));
    }
}
