package dev.tollgate.core.limits.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.LimitStoreContractTest;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.redis.RedisEndpoint;
import dev.tollgate.core.limits.redis.RedisInvalidationBus;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.core.limits.redis.RedisLoopResources;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.RedisCluster;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole {@link LimitStoreContractTest} against a real 3-master Redis Cluster this test starts
 * on free loopback ports ({@code redis-cluster://} URL, Lettuce's cluster client), plus what only a
 * cluster shows: customers spread over all shards, every script single-slot (a CROSSSLOT reply
 * would fail the contract tests), the dirty set and pub/sub working across nodes.
 */
@Tag("fault")
@Needs(Need.REDIS_SERVER)
class RedisClusterLimitStoreTest extends LimitStoreContractTest {
    static RedisCluster cluster;
    static RedisEndpoint endpoint;
    static RedisEndpoint.Connection connection;

    @BeforeAll
    static void startCluster() throws Exception {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        cluster = TestServices.startRedisCluster(3);
        // Generous timeout: two cores are shared with other builds.
        endpoint = RedisEndpoint.failFast(cluster.url(), Duration.ofSeconds(5));
        assertThat(endpoint.isCluster()).isTrue();
        connection = endpoint.connect();
    }

    @AfterAll
    static void stopCluster() {
        if (connection != null) {
            connection.stateful().close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected LimitStore newStore() {
        return new RedisLimitStore(
                (StatefulRedisClusterConnection<String, String>) connection.stateful(),
                "tgc:" + UUID.randomUUID() + ":");
    }

    @Test
    void customersSpreadOverEveryShardAndEachFlushesThroughOneDirtySet() throws Exception {
        try (RedisLimitStore s = RedisLimitStore.connect(cluster.url(), Duration.ofSeconds(5), "tgspread:")) {
            long periodEnd = System.currentTimeMillis() + 3_600_000;
            CustomerLimits limits = new CustomerLimits(1_000_000, 100, -1, periodEnd);
            Set<String> customers = new HashSet<>();
            long total = 0;
            for (int i = 0; i < 60; i++) {
                String c = "spread-" + i;
                customers.add(c);
                await(s.seed(c, 0, periodEnd));
                AdmitDecision d = await(s.admit(new AdmitRequest(c, limits, System.currentTimeMillis(), 100, 10)));
                assertThat(d.admitted()).isTrue();
                await(s.settle(SettleRequest.builder()
                        .customerId(c)
                        .reserveNanos(100)
                        .reserveTokens(10)
                        .windowStartMs(d.windowStartMs())
                        .costNanos(7 + i)
                        .rateTokens(10)
                        .day("2024-01-01")
                        .model("m")
                        .promptTokens(5)
                        .completionTokens(5)
                        .success(true)
                        .build()));
                total += 7 + i;
            }
            // Every node holds some of the customers' keys.
            for (int port : cluster.ports()) {
                assertThat(cluster.dbSize(port)).as("keys on node %d", port).isPositive();
            }
            // Claim every dirty customer's batch, as a flusher would.
            long claimed = 0;
            for (String c : await(s.dirtyCustomers(1000))) {
                PendingBatch b = await(s.claimPending(c));
                claimed += b.spendByPeriod().stream()
                        .mapToLong(PendingBatch.PeriodSpend::spendNanos)
                        .sum();
                await(s.ackPending(c, b.batchId()));
            }
            assertThat(claimed).isEqualTo(total);
            for (String c : customers) {
                assertThat(await(s.pendingNanos(c))).isZero();
                AccountSnapshot snap = await(s.snapshot(c));
                assertThat(snap.reservedNanos()).isZero();
            }
            // An empty claim clears the marks.
            for (String c : await(s.dirtyCustomers(1000))) {
                await(s.claimPending(c));
            }
            assertThat(await(s.dirtyCustomers(1000))).isEmpty();
        }
    }

    @Test
    void onTheServerLoopsEveryShardAnswersOnTheCallingLoop() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try (RedisLoopResources resources = new RedisLoopResources(group)) {
            try (RedisLimitStore s = RedisLimitStore.connect(
                    cluster.url(), Duration.ofSeconds(5), "tgloops:" + UUID.randomUUID() + ":", resources)) {
                long periodEnd = System.currentTimeMillis() + 3_600_000;
                CustomerLimits limits = new CustomerLimits(1_000_000, 100, -1, periodEnd);
                for (RedisLoopResources.Pinned p : resources.pinned()) {
                    EventLoop loop = p.loop();
                    Thread loopThread = loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
                    // Enough customers to reach every shard: node connections open lazily, from the loop.
                    for (int i = 0; i < 12; i++) {
                        String c = "loop-" + i;
                        CompletableFuture<Thread> settledOn = new CompletableFuture<>();
                        loop.execute(() -> s.admit(new AdmitRequest(
                                        c,
                                        limits,
                                        System.currentTimeMillis(),
                                        100,
                                        10,
                                        LimitStore.DEFAULT_RESERVATION_TTL_MS,
                                        true))
                                .thenCompose(d -> s.settle(SettleRequest.builder()
                                        .customerId(c)
                                        .reserveNanos(100)
                                        .reserveTokens(10)
                                        .windowStartMs(d.windowStartMs())
                                        .costNanos(7)
                                        .rateTokens(10)
                                        .day("2024-01-01")
                                        .model("m")
                                        .promptTokens(5)
                                        .completionTokens(5)
                                        .success(true)
                                        .build()))
                                .whenComplete((r, e) -> {
                                    if (e != null) {
                                        settledOn.completeExceptionally(e);
                                    } else {
                                        settledOn.complete(Thread.currentThread());
                                    }
                                }));
                        assertThat(settledOn.get(10, TimeUnit.SECONDS)).isSameAs(loopThread);
                    }
                }
                // On a cluster the dirty mark is a separate SADD (another slot), still sent.
                assertThat(await(s.dirtyCustomers(1000))).contains("loop-0", "loop-11");
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void invalidationsReachSubscribersThroughAnyNode() throws Exception {
        try (RedisEndpoint a = RedisEndpoint.failFast(cluster.url(), Duration.ofSeconds(5));
                RedisEndpoint b = RedisEndpoint.failFast(
                        "redis-cluster://127.0.0.1:" + cluster.ports().get(2), Duration.ofSeconds(5));
                RedisInvalidationBus sender = new RedisInvalidationBus(a, "tgbus:");
                RedisInvalidationBus receiver = new RedisInvalidationBus(b, "tgbus:")) {
            CompletableFuture<String> got = new CompletableFuture<>();
            receiver.subscribe(got::complete);
            receiver.ready().toCompletableFuture().get(10, TimeUnit.SECONDS);
            sender.publish("cust-x");
            assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("cust-x");
            assertThat(List.of(InvalidationBus.ALL)).isNotEmpty();
        }
    }
}
