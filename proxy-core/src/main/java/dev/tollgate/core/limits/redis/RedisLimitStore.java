package dev.tollgate.core.limits.redis;

import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitDecisions;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.FlushState;
import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.Lease;
import dev.tollgate.core.limits.LeasedAdmission;
import dev.tollgate.core.limits.LimitStore;
import dev.tollgate.core.limits.LimitStoreKind;
import dev.tollgate.core.limits.ModelLimits;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingFields;
import dev.tollgate.core.limits.ReconcileRequest;
import dev.tollgate.core.limits.Reconciliation;
import dev.tollgate.core.limits.SettleRequest;
import dev.tollgate.core.limits.SettleResult;
import dev.tollgate.core.limits.SlotGrant;
import dev.tollgate.core.limits.Windows;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet {@link LimitStore}: every operation is one Lua script on one customer's keys, run
 * with EVALSHA (EVAL on {@code NOSCRIPT}) through the Lettuce async API, so several proxy
 * instances sharing one Redis enforce one budget and one window per customer. Nothing here
 * blocks; futures complete on the I/O thread of the connection that carried the command. Made
 * with {@link #connect(String, Duration, String, RedisLoopResources)}, the store has one
 * connection per server event loop and sends each command through the caller's loop's
 * connection, so a call on an event loop has its futures completed on that same loop.
 *
 * <p>Keys (prefix {@code tg:} by default; all of one customer share the hash tag {@code {c:<id>}}
 * so that Redis Cluster can spread customers over shards):
 * <ul>
 * <li>{@code <prefix>{c:<id>}:acct} hash: {@code spent}, {@code reserved} (nanos), {@code pe}
 * (period end, epoch ms, 0 = never resets), {@code r:<minute>}: the nanos reserved by unsettled
 * calls admitted in that minute, and {@code rlo}: a minute no later than the oldest of those
 * buckets. {@code reserved} is their sum, kept up to date by every admission and settle; the
 * buckets themselves are read (expired ones dropped, the sum recomputed) only when {@code rlo}
 * says one may have expired, so at most about once a minute per customer. No TTL: a missing
 * account means "seed me", never 0.
 * <li>{@code <prefix>{c:<id>}:w:<windowStart>} hash: {@code req}, {@code tok}; TTL 120 s from its
 * creation.
 * <li>{@code <prefix>{c:<id>}:pend} and {@code :claimed} hashes: spend not yet persisted,
 * fields as in {@link PendingFields} (requests and successful requests packed in one field); the
 * claimed one also holds the batch {@code id}.
 * <li>{@code <prefix>{c:<id>}:flush} string: a token set by every claim (to the batch id) and
 * every acknowledgement ({@code acked:<batch id>}), so a reconciliation can tell whether spend
 * moved to the database while it read the ledger; expires a day after its last change.
 * <li>{@code <prefix>{c:<id>}:sid:<windowStart>} hash: ids of settles applied for calls admitted
 * in that window, so a settle re-sent after a timeout is not counted twice; expires
 * {@link LimitStore#SETTLE_ID_RETENTION_MS} after its last write.
 * <li>{@code <prefix>{c:<id>}:par} sorted set: the customer's in-flight slots
 * ({@code max_parallel_requests}), member = slot id, score = expiry (epoch ms); the key expires
 * with its newest slot. Taken by {@code slot.lua}, given back with ZREM.
 * <li>{@code <prefix>dirty} set: customers that may have pending spend. On a single Redis the
 * settle script adds the mark itself (one round trip, and atomic with the spend), and only when
 * its pending hash may be new (see settle.lua). On a Redis
 * Cluster it lives in another slot than the customer's keys, so it is updated by a SADD sent
 * right after the settle script instead. If that SADD is lost (crash, timeout) the pending spend
 * is still in Redis; a periodic sweep over {@code *:pend} keys can repair the mark. The mark
 * is cleared by the claim or acknowledgement that finds nothing left pending
 * ({@link PendingClaims}: on a single Redis a page of customers per script call).
 * </ul>
 *
 * <p>The admit and settle scripts are kept lean, since they run for every call on the customer's
 * shard: hash reads are one {@code HMGET} each, and a customer far from its limits costs 6
 * {@code redis.call}s to admit and 12 to settle (the previous scripts: 33 for the pair; {@code bench/script-cost.sh}
 * measures them).
 *
 * <p>Semantics are those of {@link InProcessLimitStore} (see there); both pass the same
 * contract tests. Numbers travel as decimal integer strings; sums are HINCRBY (64-bit), while
 * the budget comparison uses Lua numbers (doubles), exact up to 2^53 nanos ≈ $9M of spend plus
 * reservations per customer and period.
 */
public final class RedisLimitStore implements LimitStore {
    public static final String DEFAULT_PREFIX = "tg:";
    private static final Logger log = LoggerFactory.getLogger(RedisLimitStore.class);
    private static final long WINDOW_TTL_MS = Windows.RETENTION_MS;

    private final LoopConnections connections;
    /** True on a single Redis: the settle script adds the dirty mark (see the class comment). */
    private final boolean dirtyInScript;

    private final RedisKeys keys;
    private final ScriptRunner scripts;
    private final LuaScript admit;
    private final LuaScript seed;
    private final LuaScript settle;
    private final PendingClaims pendingClaims;
    private final LuaScript pending;
    private final LuaScript pendingModel;
    private final LuaScript reset;
    private final LuaScript flushState;
    private final LuaScript reconcile;
    private final LuaScript release;
    private final LuaScript slot;

    /**
     * Uses a connection the caller owns (and closes). Configure its client with
     * {@link RedisClients#failFast} so that a dead Redis fails calls fast.
     */
    public RedisLimitStore(StatefulRedisConnection<String, String> connection, String keyPrefix) {
        this(
                LoopConnections.single(new RedisEndpoint.Connection(connection, connection.async()), null),
                false,
                keyPrefix);
    }

    /** As {@link #RedisLimitStore(StatefulRedisConnection, String)} on a Redis Cluster connection. */
    public RedisLimitStore(StatefulRedisClusterConnection<String, String> connection, String keyPrefix) {
        this(
                LoopConnections.single(new RedisEndpoint.Connection(connection, connection.async()), null),
                true,
                keyPrefix);
    }

    private RedisLimitStore(LoopConnections connections, boolean cluster, String keyPrefix) {
        this.connections = connections;
        this.dirtyInScript = !cluster;
        this.keys = new RedisKeys(keyPrefix == null ? DEFAULT_PREFIX : keyPrefix);
        this.scripts = new ScriptRunner();
        this.admit = script("admit");
        this.seed = script("seed");
        this.settle = script("settle");
        this.pendingClaims =
                new PendingClaims(connections, scripts, keys, script("claim"), script("ack"), dirtyInScript);
        this.pending = script("pending");
        this.pendingModel = script("pendingmodel");
        this.reset = script("reset");
        this.flushState = script("flushstate");
        this.reconcile = script("reconcile");
        this.release = script("release");
        this.slot = script("slot");
    }

    /**
     * Connects a fail-fast client (see {@link RedisEndpoint#failFast}: {@code redis://} for one
     * server, {@code redis-cluster://h1:p1,h2:p2} for a Redis Cluster) with the default prefix.
     * Opening the connection blocks: call it at startup, never on an event loop. The store owns
     * the client and shuts it down on {@link #close()}.
     */
    public static RedisLimitStore connect(String redisUrl, Duration commandTimeout) {
        return connect(redisUrl, commandTimeout, DEFAULT_PREFIX);
    }

    /** As {@link #connect(String, Duration)} with the given key prefix. */
    public static RedisLimitStore connect(String redisUrl, Duration commandTimeout, String keyPrefix) {
        RedisEndpoint client = RedisEndpoint.failFast(redisUrl, commandTimeout);
        try {
            RedisEndpoint.Connection c = client.connect();
            return new RedisLimitStore(LoopConnections.single(c, client), client.isCluster(), keyPrefix);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * As {@link #connect(String, Duration, String)} with one client and connection per event loop
     * of {@code loops}, each registered on its loop (for a Redis Cluster, each client connects to
     * the nodes from its loop). A command sent from one of those loops goes out on that loop's
     * connection and completes there; from any other thread, it uses the connections in turn.
     * Blocks while connecting: call at startup, off those loops. The store shuts its clients down
     * on {@link #close()}; {@code loops} stays the caller's, to close afterwards.
     */
    public static RedisLimitStore connect(
            String redisUrl, Duration commandTimeout, String keyPrefix, RedisLoopResources loops) {
        LoopConnections connections = LoopConnections.pinned(redisUrl, commandTimeout, loops);
        return new RedisLimitStore(connections, RedisEndpoint.isClusterUrl(redisUrl), keyPrefix);
    }

    /** Connections the store sends commands through (one, or one per event loop). */
    int connectionCount() {
        return connections.size();
    }

    private LuaScript script(String name) {
        LuaScript s = LuaScript.load(name, connections.first()::digest);
        scripts.preload(connections.first(), s);
        return s;
    }

    @Override
    public LimitStoreKind kind() {
        return LimitStoreKind.REDIS;
    }

    @Override
    public CompletionStage<SlotGrant> acquireSlot(
            String customerId, String slotId, long limit, long nowMs, long ttlMs) {
        return scripts.<List<Object>>run(
                        connections.commands(),
                        slot,
                        ScriptOutputType.MULTI,
                        new String[] {keys.slots(customerId)},
                        str(nowMs),
                        str(limit),
                        slotId,
                        str(nowMs + ttlMs),
                        str(ttlMs))
                .thenApply(out -> new SlotGrant(num(out.get(0)) == 1, num(out.get(1))));
    }

    @Override
    public CompletionStage<Void> releaseSlot(String customerId, String slotId) {
        return connections.commands().zrem(keys.slots(customerId), slotId).thenApply(n -> null);
    }

    @Override
    public CompletionStage<Long> inFlight(String customerId, long nowMs) {
        // Scores are expiries: the slots still counting are those expiring after now.
        return connections
                .commands()
                .zcount(keys.slots(customerId), io.lettuce.core.Range.create(nowMs + 1, Long.MAX_VALUE));
    }

    @Override
    public CompletionStage<AdmitDecision> admit(AdmitRequest r) {
        return admit(r, null).thenApply(LeasedAdmission::decision);
    }

    @Override
    public CompletionStage<LeasedAdmission> admitAndLease(AdmitRequest r, Lease ask) {
        return admit(r, ask == null ? Lease.NONE : ask);
    }

    private CompletionStage<LeasedAdmission> admit(AdmitRequest r, Lease ask) {
        CustomerLimits limits = r.limits();
        long windowStart = Windows.start(r.nowMs());
        ModelLimits model = r.model();
        String[] k = {
            keys.account(r.customerId()),
            keys.window(r.customerId(), windowStart),
            keys.pending(r.customerId()),
            keys.claimed(r.customerId())
        };
        String[] args = {
            str(r.nowMs()),
            str(limits.maxBudgetNanos()),
            str(limits.rpmLimit()),
            str(limits.tpmLimit()),
            str(limits.periodEndMs()),
            str(r.reserveNanos()),
            str(r.reserveTokens()),
            str(WINDOW_TTL_MS),
            str(r.reservationTtlMs()),
            str(windowStart),
            r.createIfAbsent() ? "1" : "0"
        };
        if (model != null) {
            // A call with a model entry never takes a slice (see AdmitRequest#model).
            k = Arrays.copyOf(k, 6);
            k[4] = keys.modelAccount(r.customerId(), model.model());
            k[5] = keys.modelWindow(r.customerId(), model.model(), windowStart);
            args = Arrays.copyOf(args, 19);
            args[11] = "0";
            args[12] = "0";
            args[13] = "0";
            args[14] = str(model.maxBudgetNanos());
            args[15] = str(model.rpmLimit());
            args[16] = str(model.tpmLimit());
            args[17] = str(model.periodEndMs());
            args[18] = PendingFields.modelField(model.periodEndMs(), model.model());
        } else if (ask != null) {
            args = Arrays.copyOf(args, 14);
            args[11] = str(ask.budgetNanos());
            args[12] = str(ask.requests());
            args[13] = str(ask.tokens());
        }
        return scripts.<List<Object>>run(connections.commands(), admit, ScriptOutputType.MULTI, k, args)
                .thenApply(out -> new LeasedAdmission(
                        AdmitDecisions.of(
                                AdmitDecisions.outcomeOfCode(num(out.get(0))),
                                num(out.get(1)),
                                num(out.get(2)),
                                windowStart,
                                num(out.get(3)),
                                num(out.get(4)),
                                limits,
                                out.size() >= 10 ? num(out.get(8)) : 0,
                                out.size() >= 10 ? num(out.get(9)) : 0),
                        out.size() < 8 || num(out.get(6)) == 0
                                ? Lease.NONE
                                : new Lease(num(out.get(5)), num(out.get(6)), num(out.get(7)))));
    }

    @Override
    public CompletionStage<Void> returnLease(String customerId, long windowStartMs, Lease unused) {
        if (unused.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return scripts.<Long>run(
                        connections.commands(),
                        release,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.account(customerId), keys.window(customerId, windowStartMs)},
                        str(windowStartMs),
                        str(Math.max(0, unused.budgetNanos())),
                        str(Math.max(0, unused.requests())),
                        str(Math.max(0, unused.tokens())))
                .thenApply(x -> null);
    }

    @Override
    public CompletionStage<Void> seed(String customerId, long spentNanos, long periodEndMs) {
        String[] k = {keys.account(customerId), keys.pending(customerId), keys.claimed(customerId)};
        return scripts.<Long>run(
                        connections.commands(), seed, ScriptOutputType.INTEGER, k, str(spentNanos), str(periodEndMs))
                .thenApply(created -> null);
    }

    @Override
    public CompletionStage<SettleResult> settle(SettleRequest r) {
        String id = r.customerId();
        String[] customerKeys = {
            keys.account(id),
            keys.window(id, r.windowStartMs()),
            keys.pending(id),
            keys.settleIds(id, r.windowStartMs())
        };
        String[] k = customerKeys;
        if (r.hasModelBudget()) {
            k = Arrays.copyOf(customerKeys, 6);
            k[4] = keys.modelAccount(id, r.modelBudgetKey());
            k[5] = keys.modelWindow(id, r.modelBudgetKey(), r.windowStartMs());
        }
        if (dirtyInScript) {
            k = Arrays.copyOf(k, k.length + 1);
            k[k.length - 1] = keys.dirty();
        }
        RedisClusterAsyncCommands<String, String> redis = connections.commands();
        CompletionStage<List<Object>> done;
        try {
            done = scripts.run(
                    redis,
                    settle,
                    ScriptOutputType.MULTI,
                    k,
                    str(Math.max(0, r.reserveNanos())),
                    str(r.costNanos()),
                    str(r.rateTokens() - r.reserveTokens()),
                    PendingFields.dailyField(r.day(), PendingFields.REQUESTS_OK, r.model()),
                    PendingFields.dailyField(r.day(), PendingFields.PROMPT, r.model()),
                    PendingFields.dailyField(r.day(), PendingFields.COMPLETION, r.model()),
                    PendingFields.dailyField(r.day(), PendingFields.SPEND, r.model()),
                    str(PendingFields.requestsOk(r.requests(), r.successfulRequests())),
                    str(r.promptTokens()),
                    str(r.completionTokens()),
                    r.settleId() == null ? "" : r.settleId(),
                    r.persisted() ? "1" : "0",
                    str(SETTLE_ID_RETENTION_MS),
                    str(r.windowStartMs()),
                    id,
                    str(WINDOW_TTL_MS),
                    r.hasModelBudget() ? r.modelBudgetKey() : "",
                    str(r.modelPeriodEndMs()));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return done.thenApply(out -> {
            long status = num(out.get(2));
            if (status != 0 && !dirtyInScript) {
                // Sent once the pending spend exists (so a flusher never sees the mark without the
                // spend); not awaited, since the spend is already safe and a lost mark is repairable.
                markDirty(redis, id);
            }
            return new SettleResult(num(out.get(0)), num(out.get(1)), status == 1);
        });
    }

    private void markDirty(RedisClusterAsyncCommands<String, String> redis, String customerId) {
        redis.sadd(keys.dirty(), customerId).whenComplete((n, e) -> {
            if (e != null) {
                log.warn("lost dirty mark of customer {}; pending spend stays in Redis for a sweep", customerId, e);
            }
        });
    }

    @Override
    public CompletionStage<AccountSnapshot> snapshot(String customerId) {
        return connections
                .commands()
                .hmget(keys.account(customerId), "spent", "reserved", "pe")
                .thenApply(values -> {
                    if (values.stream().noneMatch(v -> v.hasValue())) {
                        return AccountSnapshot.ABSENT;
                    }
                    return new AccountSnapshot(
                            true,
                            num(values.get(0).getValueOrElse("0")),
                            num(values.get(1).getValueOrElse("0")),
                            num(values.get(2).getValueOrElse("0")));
                });
    }

    @Override
    public CompletionStage<AccountSnapshot> modelSnapshot(String customerId, String model) {
        return connections
                .commands()
                .hmget(keys.modelAccount(customerId, model), "spent", "reserved", "pe")
                .thenApply(RedisLimitStore::toSnapshot);
    }

    private static AccountSnapshot toSnapshot(List<io.lettuce.core.KeyValue<String, String>> values) {
        if (values.stream().noneMatch(v -> v.hasValue())) {
            return AccountSnapshot.ABSENT;
        }
        return new AccountSnapshot(
                true,
                num(values.get(0).getValueOrElse("0")),
                num(values.get(1).getValueOrElse("0")),
                num(values.get(2).getValueOrElse("0")));
    }

    @Override
    public CompletionStage<Void> resetSpend(String customerId, long newPeriodEndMs) {
        return scripts.<Long>run(
                        connections.commands(),
                        reset,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.account(customerId)},
                        str(newPeriodEndMs))
                .thenApply(x -> null);
    }

    @Override
    public CompletionStage<List<String>> dirtyCustomers(int max) {
        if (max <= 0) {
            return CompletableFuture.completedFuture(List.of());
        }
        // A random sample rather than a scan from the start spreads concurrent flushers.
        return connections.commands().srandmember(keys.dirty(), max).thenApply(List::copyOf);
    }

    @Override
    public CompletionStage<PendingBatch> claimPending(String customerId) {
        return pendingClaims.claim(List.of(customerId)).get(0);
    }

    @Override
    public List<CompletionStage<PendingBatch>> claimPending(List<String> customerIds) {
        return pendingClaims.claim(customerIds);
    }

    @Override
    public CompletionStage<Void> ackPending(String customerId, String batchId) {
        return pendingClaims
                .ack(List.of(new PendingBatch(customerId, batchId, List.of(), List.of())))
                .get(0);
    }

    @Override
    public List<CompletionStage<Void>> ackPending(List<PendingBatch> batches) {
        return pendingClaims.ack(batches);
    }

    @Override
    public CompletionStage<Long> pendingNanos(String customerId) {
        String[] k = {keys.pending(customerId), keys.claimed(customerId)};
        return scripts.<List<Object>>run(connections.commands(), pending, ScriptOutputType.MULTI, k)
                .thenApply(values -> {
                    long sum = 0;
                    for (Object v : values) {
                        sum += num(v);
                    }
                    return sum;
                });
    }

    @Override
    public CompletionStage<Long> pendingModelNanos(String customerId, String model, long periodEndMs) {
        String[] k = {keys.pending(customerId), keys.claimed(customerId)};
        return scripts.<List<Object>>run(
                        connections.commands(),
                        pendingModel,
                        ScriptOutputType.MULTI,
                        k,
                        PendingFields.modelField(periodEndMs, model))
                .thenApply(values -> num(values.get(0)) + num(values.get(1)));
    }

    @Override
    public CompletionStage<FlushState> flushState(String customerId) {
        String[] k = {keys.claimed(customerId), keys.flushToken(customerId)};
        return scripts.<List<Object>>run(connections.commands(), flushState, ScriptOutputType.MULTI, k)
                .thenApply(out -> new FlushState(String.valueOf(out.get(0)), String.valueOf(out.get(1))));
    }

    @Override
    public CompletionStage<Reconciliation> reconcile(ReconcileRequest r) {
        String id = r.customerId();
        String account = r.model() == null ? keys.account(id) : keys.modelAccount(id, r.model());
        String[] k = {account, keys.pending(id), keys.claimed(id), keys.flushToken(id)};
        String claimedId = r.seen().claimedBatchId();
        return scripts.<List<Object>>run(
                        connections.commands(),
                        reconcile,
                        ScriptOutputType.MULTI,
                        k,
                        str(r.ledgerNanos()),
                        str(r.periodEndMs()),
                        r.seen().token(),
                        claimedId == null ? "" : claimedId,
                        r.claimedApplied() ? "1" : "0",
                        str(r.nowMs()),
                        str(Reconciliation.PERIOD_MARGIN_MS),
                        r.createIfAbsent() ? "1" : "0",
                        r.model() == null ? "" : r.model())
                .thenApply(out -> new Reconciliation(
                        RECONCILE_OUTCOMES[(int) num(out.get(0))], num(out.get(1)), num(out.get(2))));
    }

    /** reconcile.lua's outcome codes, in order. */
    private static final Reconciliation.Outcome[] RECONCILE_OUTCOMES = {
        Reconciliation.Outcome.IN_STEP,
        Reconciliation.Outcome.REPAIRED,
        Reconciliation.Outcome.CREATED,
        Reconciliation.Outcome.FLUSH_MOVED,
        Reconciliation.Outcome.ABSENT,
        Reconciliation.Outcome.OTHER_PERIOD
    };

    /** Scripts re-sent with EVAL after NOSCRIPT (Redis restarted or flushed its script cache). */
    public long scriptFallbacks() {
        return scripts.fallbacks.get();
    }

    /** Script calls sent since the store was opened. */
    public long scriptCalls() {
        return scripts.calls.sum();
    }

    /** Script runs that failed (timeouts, connection loss, server errors). */
    public long redisErrors() {
        return scripts.errors.get();
    }

    @Override
    public void close() {
        // A connection passed in belongs to the caller, who may share it; only ours are closed.
        connections.close();
    }

    private static String str(long v) {
        return Long.toString(v);
    }

    /** Script replies mix integers (Long) and stored integer strings (String, exact in 64-bit). */
    static long num(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Long l) {
            return l;
        }
        return Long.parseLong(v.toString());
    }
}
