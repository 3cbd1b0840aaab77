package dev.tollgate.server.http;

import io.netty.handler.codec.http.FullHttpRequest;

/**
 * One endpoint. It reads what it needs from the request synchronously (the request is released
 * when {@code handle} returns) and answers through the exchange, now or later.
 */
@FunctionalInterface
public interface Route {
    void handle(FullHttpRequest request, Exchange exchange) throws Exception;
}
