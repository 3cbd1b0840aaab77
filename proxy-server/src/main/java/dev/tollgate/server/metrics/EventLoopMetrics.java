package dev.tollgate.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;

/**
 * Tasks waiting on each event loop, labelled by the loop's index (thread names are only known once
 * a loop has started). Replaces Micrometer's binder, whose series carries no HELP text.
 */
final class EventLoopMetrics implements MeterBinder {
    private final EventLoopGroup group;

    EventLoopMetrics(EventLoopGroup group) {
        this.group = group;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        int i = 0;
        for (EventExecutor e : group) {
            if (e instanceof SingleThreadEventExecutor loop) {
                Gauge.builder("netty.eventexecutor.tasks.pending", loop, SingleThreadEventExecutor::pendingTasks)
                        .description("Tasks queued on an event loop and not run yet (a busy or blocked loop)")
                        .tag("loop", Integer.toString(i))
                        .register(registry);
            }
            i++;
        }
    }
}
