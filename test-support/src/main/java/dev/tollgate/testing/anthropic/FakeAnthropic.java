package dev.tollgate.testing.anthropic;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fake Anthropic upstream on 127.0.0.1 speaking the Messages API ({@code POST /v1/messages}) as
 * Anthropic documents it: the same validation errors for a missing key, version header or
 * {@code max_tokens}, JSON answers, and event streams ({@code message_start},
 * {@code content_block_*}, {@code ping}, {@code message_delta} with usage, {@code message_stop}).
 * It shares no code with the proxy's translation, so a mistake cannot hide in both.
 *
 * <p>The answer: {@code options.textPieces()} text pieces; when the request offers tools and its
 * last turn is no tool result, a {@code tool_use} of the first tool as well. Usage is
 * {@code options.inputTokens()} (plus the cache counts) in and {@code options.outputTokens()} out.
 */
public final class FakeAnthropic implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final FakeAnthropicOptions options;
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();

    /** One request as received: its path, headers (lower-case names) and body. */
    public record Recorded(String path, java.util.Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    private FakeAnthropic(FakeAnthropicOptions options) {
        this.options = options;
        this.group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("fake-anthropic"), NioIoHandler.newFactory());
        try {
            this.serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(
                                            new HttpServerCodec(),
                                            new HttpObjectAggregator(16 * 1024 * 1024),
                                            new FakeAnthropicHandler(options, requests));
                        }
                    })
                    .bind("127.0.0.1", 0)
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            throw e;
        }
    }

    public static FakeAnthropic start(FakeAnthropicOptions options) {
        return new FakeAnthropic(options);
    }

    /** The live options; change them between calls. */
    public FakeAnthropicOptions options() {
        return options;
    }

    /** {@code http://127.0.0.1:PORT}: Anthropic's root, as LiteLLM configs give {@code api_base}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public Recorded lastRequest() {
        return requests.isEmpty() ? null : requests.get(requests.size() - 1);
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
