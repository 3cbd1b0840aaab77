package dev.tollgate.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;

/**
 * The socket transport of every channel of the server: Netty's native epoll on Linux (it ships in
 * netty-all), Java NIO elsewhere. Epoll matters for a proxy: a streamed completion is one read and
 * one write per upstream chunk, and on NIO the JDK selector's bookkeeping and extra system calls
 * cost about as much kernel time as the proxying itself. {@code -Dtollgate.transport=nio} forces
 * NIO (e.g. to rule the native transport out when investigating a problem).
 */
public record NetTransport(
        String name,
        IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel) {

    public static NetTransport detect() {
        String wanted = System.getProperty("tollgate.transport", "auto").toLowerCase(Locale.ROOT);
        if (!wanted.equals("nio") && Epoll.isAvailable()) {
            return new NetTransport(
                    "epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new NetTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }
}
