package dev.tollgate.server.metrics;

import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code GET /metrics} in the Prometheus text format. The scrape (which can be large with many
 * series) runs on the metrics thread; the response is written back on the connection's event loop.
 */
public final class MetricsRoute implements Route {
    private final ProxyMetrics metrics;

    public MetricsRoute(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        try {
            metrics.scrapeExecutor().execute(() -> {
                byte[] body;
                try {
                    body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                } catch (RuntimeException e) {
                    exchange.channel().eventLoop().execute(() -> exchange.error(e));
                    return;
                }
                exchange.channel().eventLoop().execute(() -> {
                    FullHttpResponse res = new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    exchange.full(res);
                });
            });
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("metrics are shutting down", e);
        }
    }
}
