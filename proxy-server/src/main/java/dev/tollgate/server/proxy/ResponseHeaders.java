package dev.tollgate.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;

/** Which upstream response headers reach the client. */
final class ResponseHeaders {
    private ResponseHeaders() {}

    /**
     * Copies end-to-end headers; drops hop-by-hop ones (the proxy frames its own response) and the
     * upstream's rate-limit headers (OpenAI's and Anthropic's), which describe the shared provider key, not the customer.
     */
    static void copyUpstream(HttpHeaders from, HttpHeaders to) {
        for (Map.Entry<String, String> e : from) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("x-ratelimit-")
                    || name.startsWith("anthropic-ratelimit-")
                    || name.equals("connection")
                    || name.equals("keep-alive")
                    || name.equals("transfer-encoding")
                    || name.equals("content-length")
                    || name.equals("set-cookie")
                    || name.equals("proxy-connection")
                    || name.equals("trailer")
                    || name.equals("upgrade")) {
                continue;
            }
            to.add(e.getKey(), e.getValue());
        }
        if (!to.contains(HttpHeaderNames.CONTENT_TYPE)) {
            to.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
    }
}
