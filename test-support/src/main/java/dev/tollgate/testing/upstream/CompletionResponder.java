package dev.tollgate.testing.upstream;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers one chat-completion or embeddings request under a fixed {@link FakeUpstreamOptions.Snapshot}:
 * applies the configured failure, otherwise renders the JSON body or starts a {@link ChatStream}.
 * Runs on the connection's event loop once the configured latency has passed.
 */
final class CompletionResponder {
    private final ChannelHandlerContext ctx;
    private final FakeUpstreamHandler connection;
    private final PendingExchange exchange;
    private final FakeUpstreamOptions.Snapshot settings;
    private final AtomicLong ids;

    CompletionResponder(
            ChannelHandlerContext ctx,
            FakeUpstreamHandler connection,
            PendingExchange exchange,
            FakeUpstreamOptions.Snapshot settings,
            AtomicLong ids) {
        this.ctx = ctx;
        this.connection = connection;
        this.exchange = exchange;
        this.settings = settings;
        this.ids = ids;
    }

    void respond() {
        if (exchange.parseError() != null) {
            connection.sendFull(
                    ctx,
                    exchange,
                    HttpResponseStatus.BAD_REQUEST,
                    Unpooled.wrappedBuffer(ResponseBodies.badRequest(exchange.parseError(), null)),
                    false);
            return;
        }
        switch (settings.failure()) {
            case HTTP_500 ->
                connection.sendFull(
                        ctx,
                        exchange,
                        HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        Unpooled.wrappedBuffer(ResponseBodies.SERVER_ERROR),
                        false);
            case HTTP_429 ->
                connection.sendFull(
                        ctx,
                        exchange,
                        HttpResponseStatus.TOO_MANY_REQUESTS,
                        Unpooled.wrappedBuffer(ResponseBodies.RATE_LIMITED),
                        true);
            case CONTEXT_LENGTH ->
                connection.sendFull(
                        ctx,
                        exchange,
                        HttpResponseStatus.BAD_REQUEST,
                        Unpooled.wrappedBuffer(ResponseBodies.CONTEXT_LENGTH),
                        false);
            case CONTENT_POLICY ->
                connection.sendFull(
                        ctx,
                        exchange,
                        HttpResponseStatus.BAD_REQUEST,
                        Unpooled.wrappedBuffer(ResponseBodies.CONTENT_POLICY),
                        false);
            case STALL -> {
                // Deliberately nothing: the exchange stays current until the peer gives up.
            }
            case CLOSE_BEFORE_RESPONSE -> connection.closeWithoutResponse(ctx);
            case RESET_MID_STREAM -> {
                if (exchange.streaming()) {
                    answer();
                } else {
                    connection.reset(ctx);
                }
            }
            default -> answer();
        }
    }

    private void answer() {
        ParsedBody body = exchange.body();
        // Azure requests may leave out "model": the deployment names it.
        String model = body.model() != null ? body.model() : exchange.route().deployment();
        if (model == null) {
            connection.sendFull(
                    ctx,
                    exchange,
                    HttpResponseStatus.BAD_REQUEST,
                    Unpooled.wrappedBuffer(ResponseBodies.badRequest("you must provide a model parameter", "model")),
                    false);
            return;
        }
        int promptTokens = settings.promptTokens() >= 0 ? settings.promptTokens() : body.derivedPromptTokens();
        if (exchange.route().kind() == FakeRoute.Kind.EMBEDDINGS) {
            connection.sendFull(
                    ctx,
                    exchange,
                    HttpResponseStatus.OK,
                    ResponseBodies.embeddings(model, body.inputs(), promptTokens));
            return;
        }
        int tokens = settings.chunkCount();
        String finishReason = "stop";
        if (body.maxTokens() >= 0 && body.maxTokens() < tokens) {
            tokens = body.maxTokens();
            finishReason = "length";
        }
        String id = "chatcmpl-fake-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (body.stream()) {
            boolean usage = body.includeUsage() && settings.failure() != FakeFailure.STREAM_WITHOUT_USAGE;
            StreamFrames frames = new StreamFrames(id, created, model, body.includeUsage());
            new ChatStream(ctx, connection, exchange, settings, frames, tokens, finishReason, usage ? promptTokens : -1)
                    .start();
        } else {
            connection.sendFull(
                    ctx,
                    exchange,
                    HttpResponseStatus.OK,
                    ResponseBodies.chatCompletion(id, created, model, promptTokens, tokens, finishReason));
        }
    }
}
