package dev.tollgate.core.limits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitDecision.Outcome;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.RedisServer;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis store on borrowed event loops (as the proxy server runs it), against the tests' Redis
 * ({@link TestServices#redis()}): a command issued on a loop is answered on that same loop, other threads still
 * get answers, host names resolve, closing the store leaves the loops to their owner, and a dead Redis still fails
 * calls fast without stalling the loops, then is reconnected in the background.
 */
@Needs(Need.REDIS)
class RedisLoopConnectionsTest {
    static final long T0 = 1_700_000_000_000L;

    MultiThreadIoEventLoopGroup group;
    RedisLoopResources resources;
    List<EventLoop> loops;
    String prefix;
    String redisUrl;

    @BeforeEach
    void startLoops() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        resources = new RedisLoopResources(group);
        loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        prefix = "tgloops:" + UUID.randomUUID() + ":";
        redisUrl = TestServices.redis().url();
    }

    @AfterEach
    void stopLoops() {
        try (RedisClient client = RedisClient.create(redisUrl);
                StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().keys(prefix + "*");
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(String[]::new));
            }
        }
        resources.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Where and how a store future completed. */
    record Completion<T>(T value, Throwable error, Thread thread, boolean doneWhenReturned) {}

    /** Issues {@code call} on {@code loop} and records the thread that completes its future. */
    static <T> Completion<T> onLoop(EventLoop loop, Supplier<CompletionStage<T>> call) throws Exception {
        CompletableFuture<Completion<T>> seen = new CompletableFuture<>();
        loop.execute(() -> {
            CompletableFuture<T> f = call.get().toCompletableFuture();
            boolean done = f.isDone();
            f.whenComplete((v, e) -> seen.complete(new Completion<>(v, e, Thread.currentThread(), done)));
        });
        return seen.get(10, TimeUnit.SECONDS);
    }

    static Thread threadOf(EventLoop loop) throws Exception {
        return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }

    static AdmitRequest admitNew(String customer) {
        return new AdmitRequest(
                customer,
                new CustomerLimits(-1, -1, -1, 0),
                T0,
                1_000,
                10,
                LimitStore.DEFAULT_RESERVATION_TTL_MS,
                true);
    }

    @Test
    void admitAndSettleIssuedOnALoopCompleteOnThatLoop() throws Exception {
        try (RedisLimitStore store = RedisLimitStore.connect(redisUrl, Duration.ofSeconds(5), prefix, resources)) {
            assertThat(store.connectionCount()).isEqualTo(loops.size());
            for (EventLoop loop : loops) {
                Thread loopThread = threadOf(loop);
                String customer = "c-" + UUID.randomUUID();
                Completion<AdmitDecision> admitted = onLoop(loop, () -> store.admit(admitNew(customer)));
                assertThat(admitted.error()).isNull();
                assertThat(admitted.value().outcome()).isEqualTo(Outcome.ADMITTED);
                assertThat(admitted.doneWhenReturned())
                        .as("a real round trip to Redis")
                        .isFalse();
                assertThat(admitted.thread()).isSameAs(loopThread);

                SettleRequest settle = SettleRequest.builder()
                        .customerId(customer)
                        .reserveNanos(1_000)
                        .reserveTokens(10)
                        .windowStartMs(admitted.value().windowStartMs())
                        .costNanos(700)
                        .rateTokens(8)
                        .day("2026-01-01")
                        .model("m")
                        .promptTokens(4)
                        .completionTokens(4)
                        .success(true)
                        .settleId("s-" + UUID.randomUUID())
                        .build();
                Completion<SettleResult> settled = onLoop(loop, () -> store.settle(settle));
                assertThat(settled.error()).isNull();
                assertThat(settled.value().applied()).isTrue();
                assertThat(settled.thread()).isSameAs(loopThread);
                // The settle script marked the customer dirty itself (single Redis).
                assertThat(store.dirtyCustomers(1000).toCompletableFuture().get(5, TimeUnit.SECONDS))
                        .contains(customer);
            }
        }
    }

    @Test
    void callersOffTheLoopsStillGetAnswers() throws Exception {
        try (RedisLimitStore store = RedisLimitStore.connect(redisUrl, Duration.ofSeconds(5), prefix, resources)) {
            // Round robin over the loops' connections: every one of them answers.
            for (int i = 0; i < 2 * loops.size(); i++) {
                assertThat(store.admit(admitNew("c-" + UUID.randomUUID()))
                                .toCompletableFuture()
                                .get(5, TimeUnit.SECONDS)
                                .outcome())
                        .isEqualTo(Outcome.ADMITTED);
            }
        }
    }

    @Test
    void hostNamesResolveWithChannelsThatFitTheLoops() throws Exception {
        try (RedisLimitStore store =
                RedisLimitStore.connect(byHostName(redisUrl), Duration.ofSeconds(5), prefix, resources)) {
            assertThat(onLoop(loops.get(0), () -> store.admit(admitNew("c-" + UUID.randomUUID())))
                            .value()
                            .outcome())
                    .isEqualTo(Outcome.ADMITTED);
        }
    }

    @Test
    void closingTheStoreAndResourcesLeavesTheLoopsRunning() throws Exception {
        RedisLimitStore store = RedisLimitStore.connect(redisUrl, Duration.ofSeconds(5), prefix, resources);
        store.admit(admitNew("c-" + UUID.randomUUID())).toCompletableFuture().get(5, TimeUnit.SECONDS);
        store.close();
        resources.close();
        assertThat(group.isShuttingDown()).isFalse();
        for (EventLoop loop : loops) {
            assertThat(loop.submit(() -> "alive").get(5, TimeUnit.SECONDS)).isEqualTo("alive");
        }
    }

    @Test
    void aDeadRedisFailsFastWithoutStallingTheLoopsAndIsReconnected() throws Exception {
        try (RedisServer redis = TestServices.startRedisServer()) {
            RedisLimitStore store = connectWhenUp(redis.url());
            try {
                EventLoop loop = loops.get(0);
                assertThat(onLoop(loop, () -> store.admit(admitNew("c-1"))).error())
                        .isNull();

                redis.stop();
                long started = System.nanoTime();
                Completion<AdmitDecision> failed = onLoop(loop, () -> store.admit(admitNew("c-1")));
                assertThat(failed.error()).isNotNull();
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
                // The loop is free while Redis is away.
                long before = System.nanoTime();
                loop.submit(() -> {}).get(1, TimeUnit.SECONDS);
                assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMillis(500));

                redis.startAgain();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                Completion<AdmitDecision> again;
                do {
                    Thread.sleep(200);
                    again = onLoop(loop, () -> store.admit(admitNew("c-1")));
                } while (again.error() != null && System.nanoTime() < deadline);
                assertThat(again.error()).as("reconnected in the background").isNull();
                assertThat(again.thread()).isSameAs(threadOf(loop));
            } finally {
                store.close();
            }
        }
    }

    /** The same Redis by the name {@code localhost} when the URL names it by its loopback address. */
    private static String byHostName(String url) {
        return url.replace("//127.0.0.1:", "//localhost:");
    }

    private RedisLimitStore connectWhenUp(String url) throws InterruptedException {
        RuntimeException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                return RedisLimitStore.connect(url, Duration.ofMillis(250), prefix, resources);
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw last;
    }
}
