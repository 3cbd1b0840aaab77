package dev.tollgate.server.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/** Marks a client connection as busy with a request, so idle timers and drains know. */
public final class InFlight {
    private static final AttributeKey<Boolean> BUSY = AttributeKey.valueOf("tollgate.busy");

    private InFlight() {}

    public static void set(Channel ch, boolean busy) {
        ch.attr(BUSY).set(busy);
    }

    public static boolean isBusy(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(BUSY).get());
    }
}
