package dev.tollgate.server.metrics;

import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics} in the Prometheus text format. */
public final class MetricsRoute implements Route {
    private final PrometheusMeterRegistry registry;

    public MetricsRoute(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.full(res);
    }
}
