package dev.tollgate.core.limits.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitDecision.Outcome;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.FlushState;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.LimitStoreContractTest;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.ReconcileRequest;
import dev.tollgate.core.limits.Reconciliation;
import dev.tollgate.testing.services.Need;
import dev.tollgate.testing.services.Needs;
import dev.tollgate.testing.services.RedisServer;
import dev.tollgate.testing.services.TestServices;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract against the tests' Redis ({@link TestServices#redis()}), each test under its own
 * random key prefix (deleted afterwards), plus what only Redis has: the script cache, hash slots,
 * pub/sub and a Redis that dies.
 */
@Needs(Need.REDIS)
class RedisLimitStoreTest extends LimitStoreContractTest {
    static String redisUrl;
    static RedisClient client;
    static StatefulRedisConnection<String, String> connection;
    static StatefulRedisConnection<String, String> testConnection;
    static RedisCommands<String, String> sync;
    String prefix;

    @BeforeAll
    static void connect() {
        // Without a logback-test.xml the root logger is DEBUG, and Lettuce/Netty log every command.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        redisUrl = TestServices.redis().url();
        // Generous timeout: two cores are shared with other builds.
        client = RedisClients.failFast(redisUrl, Duration.ofSeconds(5));
        connection = client.connect();
        testConnection = client.connect();
        sync = testConnection.sync();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        testConnection.close();
        client.shutdown();
    }

    @Override
    protected LimitStore newStore() {
        prefix = "tgtest:" + UUID.randomUUID() + ":";
        return new RedisLimitStore(connection, prefix);
    }

    @AfterEach
    void deleteKeys() {
        List<String> keys = keysMatching(prefix + "*");
        if (!keys.isEmpty()) {
            sync.del(keys.toArray(String[]::new));
        }
    }

    static List<String> keysMatching(String pattern) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page =
                    sync.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1_000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    @Test
    void aSingleRedisClaimsAndAcknowledgesAHundredCustomersPerScriptCall() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ids.add(customer + "-" + i);
            settleOne(ids.get(i), 10);
        }
        RedisLimitStore redis = (RedisLimitStore) store;

        long before = redis.scriptCalls();
        List<PendingBatch> batches = new ArrayList<>();
        for (var claim : store.claimPending(ids)) {
            batches.add(await(claim));
        }
        long claims = redis.scriptCalls() - before;
        before = redis.scriptCalls();
        for (var ack : store.ackPending(batches)) {
            await(ack);
        }
        long acks = redis.scriptCalls() - before;

        assertThat(claims).as("script calls to claim 250 customers").isEqualTo(3);
        assertThat(acks).as("script calls to acknowledge 250 batches").isEqualTo(3);
        assertThat(await(store.dirtyCustomers(1_000)))
                .as("nothing left to flush")
                .isEmpty();
    }

    @Test
    void scriptFlushDoesNotBreakAnyCall() {
        seed(100, PERIOD_END);
        AdmitDecision a = admit(limits(10_000, 5, -1), T0, 10, 0);
        assertThat(a.outcome()).isEqualTo(Outcome.ADMITTED);

        sync.scriptFlush();
        AdmitDecision b = admit(limits(10_000, 5, -1), T0, 10, 0);
        sync.scriptFlush();
        settle(b, 10, 0, 7, 0, "m");
        sync.scriptFlush();
        await(store.seed(customer, 0, PERIOD_END));
        sync.scriptFlush();
        PendingBatch batch = await(store.claimPending(customer));
        sync.scriptFlush();
        long pending = await(store.pendingNanos(customer));
        sync.scriptFlush();
        await(store.ackPending(customer, batch.batchId()));
        sync.scriptFlush();
        FlushState state = await(store.flushState(customer));
        sync.scriptFlush();
        Reconciliation reconciled =
                await(store.reconcile(new ReconcileRequest(customer, 107, PERIOD_END, state, false, T0, false)));
        sync.scriptFlush();
        await(store.resetSpend(customer, PERIOD_END + 1));

        assertThat(b.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(b.remainingRequests()).isEqualTo(3);
        assertThat(batch.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 7));
        assertThat(pending).isEqualTo(7);
        assertThat(state.token()).isEqualTo("acked:" + batch.batchId());
        assertThat(reconciled).isEqualTo(new Reconciliation(Reconciliation.Outcome.IN_STEP, 107, 107));
        assertThat(await(store.pendingNanos(customer))).isZero();
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 0, 10, PERIOD_END + 1));
    }

    @Test
    void allKeysOfOneCustomerShareOneSlot() {
        customer = "odd{id}:|x"; // braces and separators in a client-controlled id
        seed(0, PERIOD_END);
        AdmitDecision a = admit(limits(1_000, -1, -1), T0, 40, 5);
        admit(limits(1_000, -1, -1), T0 + 60_000, 2, 0); // a reservation in a second minute
        settle(a, 40, 5, 1, 5, "m");
        await(store.claimPending(customer));
        settle(a, 0, 0, 1, 0, "m"); // a new pending hash next to the claimed one

        RedisKeys keys = new RedisKeys(prefix);
        List<String> stored = keysMatching(prefix + "{c:*");
        assertThat(stored)
                .containsExactlyInAnyOrder(
                        keys.account(customer),
                        keys.window(customer, T0),
                        keys.window(customer, T0 + 60_000),
                        keys.pending(customer),
                        keys.claimed(customer),
                        keys.flushToken(customer));
        // Reservations are kept per admission minute as fields of the account hash, not in keys of their own.
        assertThat(sync.hgetall(keys.account(customer)))
                .containsEntry("r:" + (T0 + 60_000), "2")
                .doesNotContainKey("r:" + T0)
                .containsEntry("reserved", "2");
        int slot = SlotHash.getSlot(keys.account(customer));
        assertThat(stored).allSatisfy(k -> assertThat(SlotHash.getSlot(k)).isEqualTo(slot));
        assertThat(SlotHash.getSlot(keys.account("someone-else"))).isNotEqualTo(slot);
    }

    @Test
    void windowKeysExpire() {
        seed(0, PERIOD_END);
        admit(limits(-1, 10, -1), T0, 0, 0);
        long ttl = sync.pttl(new RedisKeys(prefix).window(customer, T0));
        assertThat(ttl).isBetween(60_000L, 120_000L);
        assertThat(sync.pttl(new RedisKeys(prefix).account(customer))).isEqualTo(-1);
    }

    @Test
    void aSettleAfterItsWindowExpiredLeavesNoWindowWithoutATtl() {
        seed(0, PERIOD_END);
        AdmitDecision a = admit(limits(-1, 10, 1_000), T0, 0, 50);
        String window = new RedisKeys(prefix).window(customer, T0);
        sync.del(window); // expired meanwhile

        settle(a, 0, 50, 0, 80, "m");

        long ttl = sync.pttl(window);
        assertThat(ttl).as("recreated by the settle, so it must expire").isBetween(1L, 120_000L);
    }

    @Test
    void reservationsOfAnAccountWrittenWithoutTheirOldestMinuteStillExpire() {
        // An account as an older version wrote it: buckets and their sum, no 'rlo' field.
        String acct = new RedisKeys(prefix).account(customer);
        sync.hset(acct, Map.of("spent", "5", "reserved", "300", "pe", Long.toString(PERIOD_END)));
        sync.hset(acct, "r:" + T0, "100");
        sync.hset(acct, "r:" + (T0 + 60_000), "200");
        CustomerLimits l = limits(1_000_000, -1, -1);

        assertThat(admitTtl(l, T0 + 60_000, 0, 0, TTL).reservedNanos()).isEqualTo(300);
        assertThat(admitTtl(l, T0 + 60_000 + TTL, 0, 0, TTL).reservedNanos()).isEqualTo(200);
        assertThat(admitTtl(l, T0 + 120_000 + TTL, 0, 0, TTL).reservedNanos()).isZero();
        assertThat(sync.hgetall(acct)).doesNotContainKeys("r:" + T0, "r:" + (T0 + 60_000), "rlo");
    }

    @Test
    void invalidationBusDeliversToAnotherConnection() throws Exception {
        try (RedisInvalidationBus sender = new RedisInvalidationBus(client, prefix);
                RedisInvalidationBus receiver = new RedisInvalidationBus(client, prefix)) {
            CompletableFuture<String> got = new CompletableFuture<>();
            receiver.subscribe(got::complete);
            receiver.ready().toCompletableFuture().get(5, TimeUnit.SECONDS);

            sender.publish(customer);

            assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo(customer);
        }
    }

    @Test
    void connectFactoryReachesRedis() {
        // Default prefix on the tests' Redis: read-only on a random customer.
        try (RedisLimitStore s = RedisLimitStore.connect(redisUrl, Duration.ofMillis(250))) {
            assertThat(await(s.snapshot("absent-" + UUID.randomUUID()))).isEqualTo(AccountSnapshot.ABSENT);
        }
    }

    @Test
    void aDeadRedisFailsCallsFast() throws Exception {
        try (RedisServer redis = TestServices.startRedisServer()) {
            RedisLimitStore s = connectWhenUp(redis.url());
            try {
                AdmitRequest r = new AdmitRequest(customer, limits(-1, -1, -1), T0, 0, 0);
                assertThat(await(s.admit(r)).outcome()).isEqualTo(Outcome.NEEDS_SEED);

                redis.stop();

                long started = System.nanoTime();
                assertThatThrownBy(() -> s.admit(r).toCompletableFuture().get(5, TimeUnit.SECONDS))
                        .hasRootCauseInstanceOf(Exception.class);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            } finally {
                s.close();
            }
        }
    }

    private static RedisLimitStore connectWhenUp(String url) throws InterruptedException {
        RuntimeException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                return RedisLimitStore.connect(url, Duration.ofMillis(250));
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw last;
    }
}
