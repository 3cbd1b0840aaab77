package dev.tollgate.core.limits.redis;

import io.lettuce.core.ConnectionBuilder;
import io.lettuce.core.ConnectionEvents;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.BootstrapConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import jdk.net.ExtendedSocketOptions;
import reactor.core.publisher.Mono;

/**
 * Where a Lettuce client does its I/O: client resources whose event loops are borrowed (see
 * {@link RedisLoopResources}), and the socket channel class that registers on those loops.
 *
 * <p>Lettuce picks its channel class once per JVM from the native transports on the classpath
 * (epoll here, through netty-all). That matches the proxy's epoll loops, but not its NIO loops
 * (the fallback, or {@code -Dtollgate.transport=nio}), where an epoll channel cannot register.
 * So the clients made here swap the bootstrap Lettuce prepared for an equal one with the right
 * channel class, before anything connects with it (a bootstrap's channel class can be set only
 * once). Reconnections reuse that bootstrap.
 */
public final class RedisIo {
    private final ClientResources resources;
    private final Class<? extends Channel> channelClass;

    RedisIo(ClientResources resources, Class<? extends Channel> channelClass) {
        this.resources = resources;
        this.channelClass = channelClass;
    }

    public ClientResources resources() {
        return resources;
    }

    /** A client on these resources; the resources stay the caller's to shut down, after the client. */
    RedisClient client(RedisURI uri) {
        return new Client(resources, uri, channelClass);
    }

    /** As {@link #client(RedisURI)} for a Redis Cluster reached through {@code seeds}. */
    RedisClusterClient clusterClient(List<RedisURI> seeds) {
        return new ClusterClient(resources, seeds, channelClass);
    }

    /** Replaces the bootstrap of {@code builder} by a copy that creates {@code channelClass} channels. */
    @SuppressWarnings("unchecked")
    static void useChannelClass(ConnectionBuilder builder, Class<? extends Channel> channelClass) {
        BootstrapConfig chosen = builder.bootstrap().config();
        Bootstrap b =
                new Bootstrap().group(chosen.group()).channel(channelClass).resolver(chosen.resolver());
        for (Map.Entry<ChannelOption<?>, Object> o : chosen.options().entrySet()) {
            ChannelOption<Object> option = (ChannelOption<Object>) o.getKey();
            if (isNativeOption(option) && NioSocketChannel.class.isAssignableFrom(channelClass)) {
                option = (ChannelOption<Object>) nioEquivalent(option);
                if (option == null) {
                    continue;
                }
            }
            b.option(option, o.getValue());
        }
        for (Map.Entry<AttributeKey<?>, Object> a : chosen.attrs().entrySet()) {
            b.attr((AttributeKey<Object>) a.getKey(), a.getValue());
        }
        if (chosen.handler() != null) {
            b.handler(chosen.handler());
        }
        builder.bootstrap(b);
    }

    /** An option of a native transport (named after its class, e.g. {@code ...epoll.EpollChannelOption#TCP_KEEPIDLE}). */
    private static boolean isNativeOption(ChannelOption<?> option) {
        String name = option.name();
        return name.startsWith("io.netty.channel.epoll.")
                || name.startsWith("io.netty.channel.uring.")
                || name.startsWith("io.netty.channel.kqueue.")
                || name.startsWith("io.netty.channel.unix.");
    }

    /**
     * The NIO option for a native-transport one Lettuce set for its own transport: the TCP
     * keep-alive timings (its only such options here), else null (dropped).
     */
    private static ChannelOption<?> nioEquivalent(ChannelOption<?> nativeOption) {
        String name = nativeOption.name();
        if (name.endsWith("#TCP_KEEPIDLE")) {
            return NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE);
        }
        if (name.endsWith("#TCP_KEEPINTVL")) {
            return NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL);
        }
        if (name.endsWith("#TCP_KEEPCNT")) {
            return NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT);
        }
        return null;
    }

    private static final class Client extends RedisClient {
        private final Class<? extends Channel> channelClass;

        Client(ClientResources resources, RedisURI uri, Class<? extends Channel> channelClass) {
            super(resources, uri);
            this.channelClass = channelClass;
        }

        @Override
        protected void connectionBuilder(
                Mono<SocketAddress> address, ConnectionBuilder builder, ConnectionEvents events, RedisURI uri) {
            super.connectionBuilder(address, builder, events, uri);
            useChannelClass(builder, channelClass);
        }
    }

    private static final class ClusterClient extends RedisClusterClient {
        private final Class<? extends Channel> channelClass;

        ClusterClient(ClientResources resources, List<RedisURI> seeds, Class<? extends Channel> channelClass) {
            super(resources, seeds);
            this.channelClass = channelClass;
        }

        @Override
        protected void connectionBuilder(
                Mono<SocketAddress> address, ConnectionBuilder builder, ConnectionEvents events, RedisURI uri) {
            super.connectionBuilder(address, builder, events, uri);
            useChannelClass(builder, channelClass);
        }
    }
}
