package dev.tollgate.admin.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.catalog.MutableClock;
import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.usage.CallRecord;
import dev.tollgate.core.usage.Usage;
import dev.tollgate.testing.WebhookReceiver;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The outbox and the delivery worker against a real local receiver, on H2 and PostgreSQL. */
class WebhookDeliveryTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    private static WebhookConfig config(String url, long retryBaseMs, int maxAttempts, int queueCapacity) {
        return new WebhookConfig(
                url,
                SECRET,
                true,
                true,
                List.of(new BigDecimal("0.85"), new BigDecimal("0.95")),
                retryBaseMs,
                maxAttempts,
                queueCapacity,
                Duration.ofSeconds(5));
    }

    private static CallRecord call(String customer, long maxBudget, long periodSpend) {
        return CallRecord.builder()
                .requestId(UUID.randomUUID().toString())
                .customerId(customer)
                .modelGroup("gpt-4o")
                .deploymentModel("gpt-4o")
                .route("/chat/completions")
                .stream(false)
                .usage(new Usage(10, 20, 0, false))
                .costNanos(1_000)
                .outcome(CallRecord.Outcome.OK)
                .status(200)
                .startedNanos(0)
                .upstreamNanos(0)
                .totalNanos(0)
                .apiKeyHash("ab12")
                .firstByteNanos(0)
                .maxBudgetNanos(maxBudget)
                .periodSpendNanos(periodSpend)
                .periodEndMs(5_000)
                .build();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    private static String[] row(TestDatabases.Handle db, String id) {
        try (Connection c = db.db().dataSource().getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT status, attempts, locked_until, last_status, next_attempt_at"
                                + " FROM tg_webhook_outbox WHERE event_id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                        ? new String[] {
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)
                        }
                        : null;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(TestDatabases.Handle db, String where) {
        try (Connection c = db.db().dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM tg_webhook_outbox WHERE " + where);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void retriesAfter500sAcrossARestartWithOneStableSignedId(String kind) throws Exception {
        TestDatabases.Handle db = later(TestDatabases.create(kind));
        WebhookReceiver receiver = later(new WebhookReceiver().answering(500, 500));
        JdbcExecutor jdbc = later(new JdbcExecutor(2));
        WebhookConfig cfg = config(receiver.url(), 200, 10, 100);
        // Retries are due on the outbox's clock; the test moves it to each due time instead of waiting.
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        Webhooks first = new Webhooks(cfg, db.db().dataSource(), jdbc, clock);
        first.start();
        CallRecord r = call("cust-retry", -1, 1_000);
        String id = WebhookEvents.spendTracked(r).id();
        first.onCall(r);

        await("the first attempt failed", () -> attempts(db, id) == 1);
        long firstDelay = nextAttemptAt(db, id) - clock.millis();
        assertThat(firstDelay).as("200 ms base, ±20 %% jitter").isBetween(160L, 240L);
        clock.set(Instant.ofEpochMilli(nextAttemptAt(db, id)));
        await("the second attempt failed", () -> attempts(db, id) == 2 && row(db, id)[2].equals("0"));
        long secondDelay = nextAttemptAt(db, id) - clock.millis();
        assertThat(secondDelay).as("four times the base, ±20 %%").isBetween(640L, 960L);
        first.close(); // the "restart": attempt 3 is made by a new instance on the same database
        assertThat(receiver.hits).hasSize(2);
        assertThat(first.stats().retries()).isEqualTo(2);

        Webhooks second = later(new Webhooks(cfg, db.db().dataSource(), jdbc, clock));
        second.start();
        clock.set(Instant.ofEpochMilli(nextAttemptAt(db, id)));
        // The row is marked delivered just before the count goes up: wait for the count.
        await("delivery after the restart", () -> second.stats().delivered() == 1);
        assertThat(row(db, id)[0]).isEqualTo("delivered");
        assertThat(row(db, id)[1]).isEqualTo("3");
        assertThat(row(db, id)[3]).isEqualTo("200");

        List<WebhookReceiver.Hit> hits = receiver.hits;
        assertThat(hits).hasSize(3);
        WebhookSigner verifier = new WebhookSigner(SECRET);
        for (WebhookReceiver.Hit h : hits) {
            assertThat(h.id()).isEqualTo(id);
            assertThat(h.body()).isEqualTo(WebhookEvents.spendTracked(r).payload());
            assertThat(h.contentType()).isEqualTo("application/json");
            assertThat(h.protocol()).isEqualTo("HTTP/1.1");
            assertThat(h.upgrade())
                    .as("no h2c upgrade on a plain-HTTP endpoint")
                    .isNull();
            assertThat(verifier.verify(h.id(), Long.parseLong(h.timestamp()), h.body(), h.signature()))
                    .isTrue();
        }
    }

    private static int attempts(TestDatabases.Handle db, String id) {
        String[] row = row(db, id);
        return row == null ? 0 : Integer.parseInt(row[1]);
    }

    private static long nextAttemptAt(TestDatabases.Handle db, String id) {
        return Long.parseLong(row(db, id)[4]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void oneThresholdEventAcrossInstancesAndCalls(String kind) throws Exception {
        TestDatabases.Handle db = later(TestDatabases.create(kind));
        WebhookReceiver receiver = later(new WebhookReceiver());
        JdbcExecutor jdbc = later(new JdbcExecutor(2));
        WebhookConfig cfg = new WebhookConfig(
                receiver.url(), null, false, true, List.of(new BigDecimal("0.85")), 100, 5, 100, Duration.ofSeconds(5));
        Webhooks a = later(new Webhooks(cfg, db.db().dataSource(), jdbc, Clock.systemUTC()));
        Webhooks b = later(new Webhooks(cfg, db.db().dataSource(), jdbc, Clock.systemUTC()));
        a.start();
        b.start();
        long max = 1_000_000;
        a.onCall(call("cust-t", max, 900_000));
        b.onCall(call("cust-t", max, 910_000));
        a.onCall(call("cust-t", max, 920_000));
        b.onCall(call("cust-t", max, 930_000));
        await("one delivery", () -> receiver.hits.size() >= 1);
        await(
                "both instances wrote or collided",
                () -> a.stats().written()
                                + a.stats().duplicates()
                                + b.stats().written()
                                + b.stats().duplicates()
                        == 2);
        await("the one event delivered", () -> count(db, "status = 'delivered' AND attempts = 1") == 1);
        assertThat(receiver.hits).hasSize(1);
        assertThat(receiver.hits.get(0).body())
                .contains("\"event\":\"threshold_crossed\"")
                .containsAnyOf("\"spend\":0.0009,", "\"spend\":0.00091,"); // whichever instance inserted first
        assertThat(receiver.hits.get(0).signature()).isNull();
        assertThat(a.stats().written() + b.stats().written()).isEqualTo(1);
        assertThat(a.stats().duplicates() + b.stats().duplicates()).isEqualTo(1);
        assertThat(count(db, "event_type = 'threshold_crossed'")).isEqualTo(1);
        assertThat(count(db, "event_type = 'spend_tracked'")).isZero(); // turned off in this config
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void goneDisablesTheEndpointAndPermanentFailuresAreDeadLettered(String kind) throws Exception {
        TestDatabases.Handle db = later(TestDatabases.create(kind));
        WebhookReceiver receiver = later(new WebhookReceiver().answering(400, 503, 503, 503, 410));
        JdbcExecutor jdbc = later(new JdbcExecutor(2));
        Webhooks w =
                later(new Webhooks(config(receiver.url(), 50, 3, 100), db.db().dataSource(), jdbc, Clock.systemUTC()));
        w.start();
        CallRecord bad = call("cust-400", -1, 0);
        w.onCall(bad);
        await("400 dead-lettered", () -> w.stats().dead() == 1);
        assertThat(row(db, WebhookEvents.spendTracked(bad).id())[0]).isEqualTo("dead");
        assertThat(receiver.hits).hasSize(1); // a permanent 4xx is not retried

        CallRecord flaky = call("cust-503", -1, 0);
        w.onCall(flaky);
        await("503 x3 dead-lettered", () -> w.stats().dead() == 2);
        assertThat(row(db, WebhookEvents.spendTracked(flaky).id())[1]).isEqualTo("3");
        assertThat(receiver.hitsFor(WebhookEvents.spendTracked(flaky).id())).hasSize(3);

        CallRecord gone = call("cust-410", -1, 0);
        w.onCall(gone);
        await("410 recorded", () -> w.stats().gone() == 1);
        assertThat(w.stats().endpointDisabled()).isTrue();
        CallRecord after = call("cust-after", -1, 0);
        w.onCall(after);
        await(
                "written to the outbox",
                () -> row(db, WebhookEvents.spendTracked(after).id()) != null);
        // That nothing is sent needs a wait: several of the delivery loop's polls (50 ms each here).
        Thread.sleep(400);
        assertThat(receiver.hitsFor(WebhookEvents.spendTracked(after).id())).isEmpty();
        assertThat(row(db, WebhookEvents.spendTracked(after).id())[0]).isEqualTo("pending");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2"})
    void aFullQueueDropsAndCountsWithoutBlockingTheCaller(String kind) throws Exception {
        TestDatabases.Handle db = later(TestDatabases.create(kind));
        WebhookReceiver receiver = later(new WebhookReceiver());
        JdbcExecutor jdbc = later(new JdbcExecutor(1));
        CountDownLatch release = new CountDownLatch(1);
        jdbc.submit(
                () -> release.await(30, TimeUnit.SECONDS)); // the only JDBC thread is busy: nothing reaches the outbox
        Webhooks w =
                later(new Webhooks(config(receiver.url(), 50, 3, 2), db.db().dataSource(), jdbc, Clock.systemUTC()));
        w.start();
        for (int i = 0; i < 5; i++) {
            w.onCall(call("cust-q" + i, -1, 0));
        }
        assertThat(w.stats().enqueued()).isEqualTo(2);
        assertThat(w.stats().droppedQueueFull()).isEqualTo(3);
        assertThat(w.queueDepth()).isEqualTo(2);
        release.countDown();
        await("two deliveries", () -> w.stats().delivered() == 2);
        assertThat(receiver.hits).hasSize(2);
        assertThat(w.queueDepth()).isZero();
    }
}
