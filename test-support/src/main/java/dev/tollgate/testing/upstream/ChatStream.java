package dev.tollgate.testing.upstream;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Sends one SSE chat-completion stream: role chunk, content chunks, finish chunk, optional usage
 * chunk, {@code [DONE]}. Every event is its own HTTP chunk, written and flushed alone so the reader
 * sees real chunk boundaries. The next event is written only after the previous write completed
 * (back-pressure for free), and pacing uses the event loop's scheduler, never a sleep.
 */
final class ChatStream {
    private final ChannelHandlerContext ctx;
    private final FakeUpstreamHandler connection;
    private final PendingExchange exchange;
    private final FakeUpstreamOptions.Snapshot settings;
    private final StreamFrames frames;
    private final int tokens;
    private final String finishReason;
    /** Prompt tokens for the usage chunk, or -1 to send no usage chunk. */
    private final int usagePromptTokens;

    private final boolean resetMidStream;
    private int sent;

    ChatStream(
            ChannelHandlerContext ctx,
            FakeUpstreamHandler connection,
            PendingExchange exchange,
            FakeUpstreamOptions.Snapshot settings,
            StreamFrames frames,
            int tokens,
            String finishReason,
            int usagePromptTokens) {
        this.ctx = ctx;
        this.connection = connection;
        this.exchange = exchange;
        this.settings = settings;
        this.frames = frames;
        this.tokens = tokens;
        this.finishReason = finishReason;
        this.usagePromptTokens = usagePromptTokens;
        this.resetMidStream = settings.failure() == FakeFailure.RESET_MID_STREAM;
    }

    void start() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_EVENT_STREAM)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        HttpUtil.setKeepAlive(head, exchange.keepAlive());
        ctx.write(head);
        emit(frames.role(), this::continueContent);
    }

    /** After the role chunk and each content chunk: wait one interval, then send or reset. */
    private void continueContent() {
        boolean resetDue = resetMidStream && (sent >= settings.failAfterChunks() || sent >= tokens);
        if (sent >= tokens && !resetDue) {
            emit(frames.finish(finishReason), this::afterFinish);
            return;
        }
        connection.runAfter(ctx, settings.chunkInterval(), () -> {
            if (resetDue) {
                connection.reset(ctx);
            } else {
                emit(frames.content(sent++), this::continueContent);
            }
        });
    }

    private void afterFinish() {
        if (usagePromptTokens >= 0) {
            emit(frames.usage(usagePromptTokens, tokens), this::sendDone);
        } else {
            sendDone();
        }
    }

    private void sendDone() {
        emit(
                StreamFrames.DONE,
                () -> ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                        .addListener(f -> connection.responseDone(ctx, exchange, (ChannelFuture) f)));
    }

    /** Writes and flushes one event; on success runs {@code next}, on failure closes. */
    private void emit(String event, Runnable next) {
        ctx.writeAndFlush(new DefaultHttpContent(ByteBufUtil.writeUtf8(ctx.alloc(), event)))
                .addListener(f -> {
                    if (f.isSuccess()) {
                        next.run();
                    } else {
                        ctx.close();
                    }
                });
    }
}
