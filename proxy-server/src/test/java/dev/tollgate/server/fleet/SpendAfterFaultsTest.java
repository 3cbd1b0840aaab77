package dev.tollgate.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same load (5 customers, 50 calls a second over two instances, spend flushed every 2 s) under
 * each fault, then the same reconciliation per customer: the sum of the
 * {@code x-litellm-response-cost} headers of the answered calls equals the ledger (PostgreSQL), the
 * enforced figure (Redis, with nothing left pending) and {@code /customer/info}. Where a fault can
 * lose or add money, the bound is asserted and stated:
 *
 * <ul>
 * <li>Redis killed and restarted empty (no persistence): the ledger lacks the spend settled into
 * Redis since the customer's last flush claim, at most one flush interval (plus the pass) before
 * the kill; the enforced figure and {@code /customer/info} equal the ledger.
 * <li>A Tollgate instance killed ({@code kill -9}): a call in flight on it may have been settled
 * without its answer being sent; the ledger exceeds the answered calls by at most those calls.
 * </ul>
 * Every other fault loses nothing and counts nothing twice.
 */
@Tag("fault")
class SpendAfterFaultsTest {
    static final int FLUSH_SECONDS = 2;
    static final int RPS_PER_INSTANCE = 25;
    static final String GENERAL = "redis_command_timeout_ms: 1000\nproxy_batch_write_at: " + FLUSH_SECONDS;
    static FaultServices services;
    static RedisProcess redis;
    static PostgresProcess postgres;
    static FakeUpstream upstream;
    static Path dir;
    Fleet fleet;
    final List<TollgateProcess> processes = new ArrayList<>();
    final List<TestProxy> inJvm = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        services = FaultServices.start(FakeUpstreamOptions.defaults().promptTokens(10));
        redis = services.redis;
        postgres = services.postgres;
        upstream = services.upstream;
        dir = Files.createTempDirectory("tg-faults-");
    }

    @AfterEach
    void stopInstances() {
        if (fleet != null) {
            fleet.close();
        }
        processes.forEach(TollgateProcess::close);
        inJvm.forEach(TestProxy::close);
    }

    @AfterAll
    static void stop() {
        if (services != null) {
            services.close();
        }
        if (dir != null) {
            Processes.deleteTree(dir);
        }
    }

    // ---- Redis and PostgreSQL faults, two in-JVM instances ----------------------------------

    @Test
    void redisKilledAndRestartedEmptyLosesAtMostTheUnflushedWindowAndEveryFigureAgrees() throws Exception {
        List<String> customers = customers("redis-kill");
        startFleet(customers);
        AtomicLong killedAt = new AtomicLong();
        List<Load.Call> calls = loadWithFault(targets(), customers, 16, () -> {
            Thread.sleep(8_000);
            killedAt.set(System.currentTimeMillis());
            redis.stop();
            Thread.sleep(3_000);
            redis.startAgain();
        });
        settleFleet();

        int repaired = reconcile(targets());
        Map<String, SpendFigures> figures =
                figures(customers, calls, fleet.prefix, targets().get(0));
        report("redis kill -9 + empty restart", figures, repaired);
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(repaired)
                .as("seeds and journal replays left nothing to repair")
                .isZero();
        for (SpendFigures f : figures.values()) {
            // Without persistence Redis takes with it the spend settled since the customer's last
            // flush claim: at most one flush interval (plus the pass itself) before the kill.
            long window = answeredBetween(
                    calls, f.customer(), killedAt.get() - FLUSH_SECONDS * 1000L - 1000, killedAt.get() + 200);
            assertThat(f.headers() - f.ledger()).as(f.toString()).isBetween(0L, window);
            assertThat(f.enforced()).as(f.toString()).isEqualTo(f.ledger());
            assertThat(f.pending()).as(f.toString()).isZero();
            assertThat(f.info()).as(f.toString()).isEqualTo(f.ledger());
        }
    }

    @Test
    void redisFrozenThenThawedLosesNothing() throws Exception {
        List<String> customers = customers("redis-freeze");
        startFleet(customers);
        List<Load.Call> calls = loadWithFault(targets(), customers, 12, () -> {
            Thread.sleep(4_000);
            redis.freeze();
            Thread.sleep(5_000);
            redis.thaw();
        });
        settleFleet();

        int repaired = reconcile(targets());
        Map<String, SpendFigures> figures =
                figures(customers, calls, fleet.prefix, targets().get(0));
        report("redis SIGSTOP 5 s + SIGCONT", figures, repaired);
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(fleet.instances.stream()
                        .mapToLong(p -> p.server().journal().journaled())
                        .sum())
                .as("settles journaled during the freeze")
                .isPositive();
        assertThat(figures.values())
                .allSatisfy(f -> assertThat(f.agree()).as(f.toString()).isTrue());
    }

    @Test
    void postgresBackendsTerminatedLoseNothing() throws Exception {
        List<String> customers = customers("pg-terminate");
        startFleet(customers);
        AtomicInteger terminated = new AtomicInteger();
        List<Load.Call> calls = loadWithFault(targets(), customers, 12, () -> {
            Thread.sleep(3_000);
            for (int i = 0; i < 12; i++) {
                terminated.addAndGet(terminateBackends());
                Thread.sleep(500);
            }
        });
        settleFleet();

        int repaired = reconcile(targets());
        Map<String, SpendFigures> figures =
                figures(customers, calls, fleet.prefix, targets().get(0));
        report("pg_terminate_backend x12 (" + terminated.get() + " backends)", figures, repaired);
        assertThat(terminated.get()).isPositive();
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(figures.values())
                .allSatisfy(f -> assertThat(f.agree()).as(f.toString()).isTrue());
    }

    // ---- Tollgate process faults -----------------------------------------------------------

    @Test
    void tollgateKilledLosesNoSettledSpend() throws Exception {
        List<String> customers = customers("tg-kill");
        String prefix = prefix();
        TollgateProcess a = launch("kill-a", prefix, GENERAL);
        Load.Target b = inJvm(prefix, GENERAL);
        createCustomers(a, customers);
        AtomicLong killedAt = new AtomicLong();
        List<Load.Call> calls = loadWithFault(List.of(a, b), customers, 12, () -> {
            Thread.sleep(5_000);
            a.kill();
            // Taken once the process is gone: a call that starts while the signal is on its way can
            // still be settled there without its answer being sent.
            killedAt.set(System.currentTimeMillis());
        });
        awaitNothingPending(customers, prefix);

        int repaired = reconcile(List.of(b));
        Map<String, SpendFigures> figures = figures(customers, calls, prefix, b);
        report("tollgate kill -9 (1 of 2)", figures, repaired);
        assertThat(calls.stream().filter(c -> c.target() == 1))
                .allSatisfy(c -> assertThat(c.ok()).isTrue());
        long perCall = perCall(calls);
        long inFlightAtKill = calls.stream()
                .filter(c -> c.target() == 0 && !c.ok() && c.startMs() <= killedAt.get())
                .count();
        for (SpendFigures f : figures.values()) {
            // A call on the killed instance may have been settled before its answer was sent.
            assertThat(f.ledger() - f.headers())
                    .as("%s; calls unanswered on the killed instance: %d", f, inFlightAtKill)
                    .isBetween(0L, inFlightAtKill * perCall);
            assertThat(f.enforced()).as(f.toString()).isEqualTo(f.ledger());
            assertThat(f.pending()).as(f.toString()).isZero();
            assertThat(f.info()).as(f.toString()).isEqualTo(f.ledger());
        }
    }

    @Test
    void anInstanceRestartedDuringAFlushCountsEveryBatchOnce() throws Exception {
        List<String> customers = customers("flush-restart");
        String prefix = prefix();
        // A flushes every second; B never on its own, so the flush in progress is A's.
        TollgateProcess a = launch("flush-a", prefix, "redis_command_timeout_ms: 1000\nproxy_batch_write_at: 1");
        Load.Target b = inJvm(prefix, "redis_command_timeout_ms: 1000\nproxy_batch_write_at: 3600");
        createCustomers(a, customers);
        for (String c : customers.subList(3, 5)) { // every customer has a row to lock
            HttpResponse<String> r = b.post("/customer/new", "{\"user_id\":\"" + c + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        AtomicLong killedAt = new AtomicLong();
        AtomicInteger waiting = new AtomicInteger();
        List<Load.Call> calls = loadWithFault(List.of(a, b), customers, 14, () -> {
            Thread.sleep(3_000);
            try (Connection c = postgres.connect()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.executeQuery("SELECT user_id FROM tg_customer WHERE user_id LIKE 'flush-restart-%' FOR UPDATE")
                            .close();
                }
                // A's flusher has claimed its batches and waits on the lock inside its transaction.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (waiting.get() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    waiting.set((int) postgres.queryLong("SELECT COUNT(*) FROM pg_stat_activity"
                            + " WHERE datname = 'tollgate' AND wait_event_type = 'Lock'"));
                }
                a.kill();
                killedAt.set(System.currentTimeMillis()); // once the process is gone, as above
                c.commit();
            }
            a.startAgain();
        });
        awaitNothingPending(customers, prefix);

        int repaired = reconcile(List.of(a, b));
        Map<String, SpendFigures> figures = figures(customers, calls, prefix, b);
        report("instance kill -9 during a flush, restarted", figures, repaired);
        assertThat(waiting.get())
                .as("a flush was waiting inside its transaction")
                .isPositive();
        long perCall = perCall(calls);
        long inFlightAtKill = calls.stream()
                .filter(c -> c.target() == 0 && !c.ok() && c.startMs() <= killedAt.get())
                .count();
        for (SpendFigures f : figures.values()) {
            assertThat(f.ledger() - f.headers())
                    .as("%s; calls unanswered on the killed instance: %d", f, inFlightAtKill)
                    .isBetween(0L, inFlightAtKill * perCall);
            assertThat(f.enforced()).as(f.toString()).isEqualTo(f.ledger());
            assertThat(f.pending()).as(f.toString()).isZero();
            assertThat(f.info()).as(f.toString()).isEqualTo(f.ledger());
        }
    }

    @Test
    void sigtermRightAfterCallsFlushesEverythingInAFleet() throws Exception {
        List<String> customers = customers("term-fleet");
        String prefix = prefix();
        TollgateProcess a = launch("term-fleet", prefix, "redis_command_timeout_ms: 1000\nproxy_batch_write_at: 3600");
        createCustomers(a, customers);
        List<Load.Call> calls = Load.run(List.of(a), customers, RPS_PER_INSTANCE, Duration.ofSeconds(3));
        assertThat(a.terminate()).as("exit status after SIGTERM").isZero();

        Map<String, SpendFigures> figures =
                figures(customers, calls, prefix, inJvm(prefix, "proxy_batch_write_at: 3600"));
        report("SIGTERM right after calls (fleet)", figures, 0);
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
        assertThat(figures.values())
                .allSatisfy(f -> assertThat(f.agree()).as(f.toString()).isTrue());
    }

    @Test
    void sigtermRightAfterCallsFlushesEverythingEmbedded() throws Exception {
        List<String> customers = customers("term-embedded");
        TollgateProcess e = TollgateProcess.start(dir, "term-embedded", embeddedConfig());
        processes.add(e);
        createCustomers(e, customers);
        List<Load.Call> calls = Load.run(List.of(e), customers, RPS_PER_INSTANCE, Duration.ofSeconds(3));
        assertThat(e.terminate()).as("exit status after SIGTERM").isZero();

        e.startAgain();
        for (String c : customers) {
            long headers = calls.stream()
                    .filter(x -> x.ok() && x.customer().equals(c))
                    .mapToLong(Load.Call::costNanos)
                    .sum();
            assertThat(SpendFigures.info(e, c))
                    .as("%s; log:%n%s", c, e.problems())
                    .isEqualTo(headers);
        }
        System.out.println("fault SIGTERM right after calls (embedded): " + customers.size() + " customers agree");
        assertThat(calls).allSatisfy(c -> assertThat(c.status()).as(c.body()).isEqualTo(200));
    }

    // ---- the load, the fault, the reconciliation ----------------------------------------------

    /** Five customers: three created through the admin API, two that come into being by calling. */
    static List<String> customers(String name) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(name + "-" + i);
        }
        return out;
    }

    private static String prefix() {
        return "tgfault-" + System.nanoTime() + ":";
    }

    private void startFleet(List<String> customers) throws Exception {
        fleet = Fleet.start(2, upstream.baseUrl(), redis.url(), postgres.url(), GENERAL);
        createCustomers(Load.Target.of(fleet.get(0)), customers);
    }

    private static void createCustomers(Load.Target admin, List<String> customers) throws Exception {
        for (String c : customers.subList(0, 3)) {
            HttpResponse<String> r = admin.post("/customer/new", "{\"user_id\":\"" + c + "\",\"max_budget\":1000}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private TollgateProcess launch(String name, String prefix, String general) throws Exception {
        TollgateProcess p = TollgateProcess.start(
                dir, name, Fleet.config(upstream.baseUrl(), redis.url(), postgres.url(), prefix, general));
        processes.add(p);
        return p;
    }

    /** An in-JVM instance of the same fleet (starts in a fraction of a process's time). */
    private Load.Target inJvm(String prefix, String general) throws Exception {
        TestProxy p = TestProxy.start(Fleet.config(upstream.baseUrl(), redis.url(), postgres.url(), prefix, general));
        inJvm.add(p);
        return Load.Target.of(p);
    }

    private static String embeddedConfig() {
        return """
                model_list:
                  - model_name: %s
                    litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: sk-upstream,
                                     input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}
                general_settings:
                  master_key: %s
                  proxy_batch_write_at: 3600
                """.formatted(Fleet.MODEL, upstream.baseUrl(), TestProxy.KEY);
    }

    private List<Load.Target> targets() {
        return fleet.instances.stream().map(Load.Target::of).toList();
    }

    @FunctionalInterface
    interface Fault {
        void inject() throws Exception;
    }

    /** Runs the load for {@code seconds} while {@code fault} runs beside it. */
    private static List<Load.Call> loadWithFault(
            List<? extends Load.Target> targets, List<String> customers, int seconds, Fault fault) throws Exception {
        CompletableFuture<Void> faulted = CompletableFuture.runAsync(() -> {
            try {
                fault.inject();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<Load.Call> calls = Load.run(targets, customers, RPS_PER_INSTANCE, Duration.ofSeconds(seconds));
        faulted.get(60, TimeUnit.SECONDS);
        return calls;
    }

    /** In-JVM fleet: waits until no instance holds journaled settles, then two flush passes everywhere. */
    private void settleFleet() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline
                && fleet.instances.stream().anyMatch(p -> p.server().journal().size() > 0)) {
            Thread.sleep(100);
        }
        for (TestProxy p : fleet.instances) {
            assertThat(p.server().journal().size()).isZero();
        }
        fleet.flushAll();
        fleet.flushAll();
    }

    /** Processes: waits until the flushers have moved every customer's pending spend to the ledger. */
    private static void awaitNothingPending(List<String> customers, String prefix) throws Exception {
        try (RedisLimitStore store = RedisLimitStore.connect(redis.url(), Duration.ofSeconds(5), prefix)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                long pending = 0;
                for (String c : customers) {
                    pending += store.pendingNanos(c).toCompletableFuture().get(5, TimeUnit.SECONDS);
                }
                if (pending == 0) {
                    return;
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError("spend still pending after 30 s");
    }

    /** {@code POST /tollgate/reconcile} on every target; returns the customers repaired. */
    private static int reconcile(List<? extends Load.Target> targets) throws Exception {
        int repaired = 0;
        for (Load.Target t : targets) {
            HttpResponse<String> r = t.post("/tollgate/reconcile", "");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = Json.MAPPER.readTree(r.body());
            repaired += body.get("customers_repaired").asInt();
            if (body.get("customers_repaired").asInt() > 0) {
                System.out.println("reconcile repaired: " + r.body());
            }
        }
        return repaired;
    }

    private static Map<String, SpendFigures> figures(
            List<String> customers, List<Load.Call> calls, String prefix, Load.Target admin) throws Exception {
        try (RedisLimitStore store = RedisLimitStore.connect(redis.url(), Duration.ofSeconds(5), prefix)) {
            return SpendFigures.read(customers, calls, Map.of(), postgres, store, admin);
        }
    }

    private static void report(String fault, Map<String, SpendFigures> figures, int repaired) {
        long headers =
                figures.values().stream().mapToLong(SpendFigures::headers).sum();
        long ledger = figures.values().stream().mapToLong(SpendFigures::ledger).sum();
        System.out.printf(
                "fault %s: headers %d, ledger %d (%+d), repaired by reconcile %d%n",
                fault, headers, ledger, ledger - headers, repaired);
        figures.values().forEach(f -> System.out.println("  " + f));
    }

    private static long perCall(List<Load.Call> calls) {
        return calls.stream().filter(Load.Call::ok).findFirst().orElseThrow().costNanos();
    }

    /** Cost of a customer's calls answered between two instants (epoch ms). */
    static long answeredBetween(List<Load.Call> calls, String customer, long fromMs, long toMs) {
        return calls.stream()
                .filter(c -> c.ok() && c.customer().equals(customer))
                .filter(c -> c.startMs() + c.latencyMs() >= fromMs && c.startMs() + c.latencyMs() <= toMs)
                .mapToLong(Load.Call::costNanos)
                .sum();
    }

    /** Terminates every other backend of the {@code tollgate} database; returns how many. */
    private static int terminateBackends() throws Exception {
        try (Connection c = postgres.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid))"
                        + " FROM pg_stat_activity WHERE datname = 'tollgate' AND pid <> pg_backend_pid()")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
