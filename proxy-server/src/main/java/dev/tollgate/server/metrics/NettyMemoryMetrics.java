package dev.tollgate.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.util.Locale;

/**
 * Memory held by the buffer allocator the channels actually use. No channel of Tollgate sets
 * {@code ChannelOption.ALLOCATOR}, so they all use {@link ByteBufAllocator#DEFAULT}, which in
 * Netty 4.2 is the {@code AdaptiveByteBufAllocator} (not {@code PooledByteBufAllocator.DEFAULT},
 * which stays empty). The {@code allocator} label names its class, so a change of default
 * (e.g. {@code -Dio.netty.allocator.type=pooled}) shows on the scrape.
 */
final class NettyMemoryMetrics implements MeterBinder {
    static final String NAME = "netty.allocator.memory.used";
    private final ByteBufAllocator allocator;

    NettyMemoryMetrics(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (!(allocator instanceof ByteBufAllocatorMetricProvider provider)) {
            return;
        }
        ByteBufAllocatorMetric metric = provider.metric();
        String type = allocator.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        String help = "Memory the Netty buffer allocator in use holds (chunks reserved, not only buffers in use)";
        Gauge.builder(NAME, metric, ByteBufAllocatorMetric::usedDirectMemory)
                .baseUnit("bytes")
                .description(help)
                .tags("allocator", type, "memory_type", "direct")
                .register(registry);
        Gauge.builder(NAME, metric, ByteBufAllocatorMetric::usedHeapMemory)
                .baseUnit("bytes")
                .description(help)
                .tags("allocator", type, "memory_type", "heap")
                .register(registry);
    }
}
