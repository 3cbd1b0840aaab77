package dev.tollgate.server.metrics;

import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.zip.GZIPOutputStream;

/**
 * {@code GET /metrics} (and {@code /metrics/}, the path LiteLLM's Grafana dashboard scrapes) in the
 * Prometheus text format, gzipped when the scraper accepts gzip (Prometheus always does). The
 * scrape and its compression (which can be large with many series) run on the metrics thread;
 * the response is written back on the connection's event loop.
 */
public final class MetricsRoute implements Route {
    private final ProxyMetrics metrics;

    public MetricsRoute(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        boolean gzip = acceptsGzip(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING));
        try {
            metrics.scrapeExecutor().execute(() -> {
                byte[] body;
                try {
                    body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                    if (gzip) {
                        body = gzip(body);
                    }
                } catch (RuntimeException e) {
                    exchange.channel().eventLoop().execute(() -> exchange.error(e));
                    return;
                }
                byte[] out = body;
                exchange.channel().eventLoop().execute(() -> {
                    FullHttpResponse res = new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(out));
                    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    if (gzip) {
                        res.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
                    }
                    res.headers().set(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
                    exchange.full(res);
                });
            });
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("metrics are shutting down", e);
        }
    }

    /** True when {@code Accept-Encoding} lists gzip (or {@code *}) without {@code q=0}. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.split(";");
            String coding = p[0].trim().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("*")) {
                continue;
            }
            boolean refused = false;
            for (int i = 1; i < p.length; i++) {
                String param = p[i].trim().toLowerCase(Locale.ROOT).replace(" ", "");
                if (param.startsWith("q=")) {
                    try {
                        refused = Double.parseDouble(param.substring(2)) <= 0;
                    } catch (NumberFormatException e) {
                        refused = true;
                    }
                }
            }
            if (!refused) {
                return true;
            }
        }
        return false;
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, body.length / 6));
        try (GZIPOutputStream z = new GZIPOutputStream(bytes)) {
            z.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
