package dev.tollgate.admin.webhook;

import dev.tollgate.core.threads.DaemonThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery thread: claims due events from the outbox, POSTs them (in parallel, up to a batch)
 * with the Standard Webhooks headers, and records each attempt.
 *
 * <ul>
 * <li>2xx: delivered.
 * <li>408, 429, 5xx, timeouts and connection errors: retried after {@code base * 4^(attempt-1)}
 * (at most 6 h, ±20 % jitter, or {@code Retry-After} when longer), dead after {@code maxAttempts}.
 * <li>410 Gone: the event is marked {@code gone} and delivery stops until restart (the spec's
 * "disable the endpoint"); new events keep going to the outbox.
 * <li>Other statuses (3xx, 4xx): permanent, dead at once. Redirects are not followed.
 * </ul>
 */
final class WebhookDelivery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDelivery.class);
    private static final int BATCH = 32;
    private static final long MAX_DELAY_MS = 6 * 3600_000L;
    private static final long PENDING_REFRESH_MS = 2_000;

    private final WebhookConfig config;
    private final WebhookOutbox outbox;
    private final WebhookStats stats;
    private final Clock clock;
    private final WebhookSigner signer;
    private final HttpClient http;
    private final URI uri;
    private final long pollMs;
    private final long leaseMs;
    private final Semaphore wakeups = new Semaphore(0);
    private final Thread thread;
    private volatile boolean closed;
    private long lastPendingRefresh = Long.MIN_VALUE / 2;
    private long lastErrorLogMs = Long.MIN_VALUE / 2;

    WebhookDelivery(WebhookConfig config, WebhookOutbox outbox, WebhookStats stats, Clock clock) {
        this.config = config;
        this.outbox = outbox;
        this.stats = stats;
        this.clock = clock;
        this.signer = config.secret() == null ? null : new WebhookSigner(config.secret());
        this.uri = URI.create(config.url());
        // HTTP/1.1: the client's HTTP/2 default sends "Upgrade: h2c" on plain-HTTP endpoints, which
        // receivers behind many servers and proxies reject or mishandle.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.pollMs = Math.max(20, Math.min(1_000, config.retryBaseMs() / 4));
        this.leaseMs = config.timeout().toMillis() + 30_000;
        this.thread = DaemonThreads.named("tollgate-webhook-delivery").newThread(this::run);
    }

    void start() {
        thread.start();
    }

    void wake() {
        wakeups.release();
    }

    private void run() {
        while (!closed) {
            int sent = 0;
            try {
                refreshPending();
                if (!stats.endpointDisabled) {
                    List<WebhookOutbox.Row> rows = outbox.claimDue(clock.millis(), leaseMs, BATCH);
                    sent = rows.size();
                    if (!rows.isEmpty()) {
                        deliver(rows);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                stats.outboxErrors.incrementAndGet();
                logError("Webhook outbox unavailable: " + e);
            }
            if (sent < BATCH) {
                try {
                    wakeups.tryAcquire(pollMs, TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                } catch (InterruptedException e) {
                    if (closed) {
                        return;
                    }
                }
            }
        }
    }

    private void refreshPending() throws SQLException {
        long now = clock.millis();
        if (now - lastPendingRefresh >= PENDING_REFRESH_MS) {
            lastPendingRefresh = now;
            stats.outboxPending = outbox.pendingCount();
        }
    }

    private void deliver(List<WebhookOutbox.Row> rows) throws SQLException {
        List<CompletableFuture<HttpResponse<Void>>> inFlight = new ArrayList<>(rows.size());
        for (WebhookOutbox.Row row : rows) {
            inFlight.add(http.sendAsync(request(row), HttpResponse.BodyHandlers.discarding()));
        }
        long waitMs = config.timeout().toMillis() + 2_000;
        for (int i = 0; i < rows.size(); i++) {
            WebhookOutbox.Row row = rows.get(i);
            HttpResponse<Void> response = null;
            Throwable failure = null;
            try {
                response = inFlight.get(i).get(waitMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                failure = e.getCause() != null ? e.getCause() : e;
            } catch (TimeoutException e) {
                inFlight.get(i).cancel(true);
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
            }
            record(row, response, failure);
        }
    }

    private HttpRequest request(WebhookOutbox.Row row) {
        long ts = clock.millis() / 1000;
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "tollgate-webhooks")
                .header("webhook-id", row.id())
                .header("webhook-timestamp", Long.toString(ts))
                .POST(HttpRequest.BodyPublishers.ofString(row.payload()));
        if (signer != null) {
            b.header("webhook-signature", signer.sign(row.id(), ts, row.payload()));
        }
        return b.build();
    }

    private void record(WebhookOutbox.Row row, HttpResponse<Void> response, Throwable failure) throws SQLException {
        int attempts = row.attempts() + 1;
        long now = clock.millis();
        Integer status = response == null ? null : response.statusCode();
        if (status != null && status >= 200 && status < 300) {
            outbox.recordAttempt(row.id(), WebhookOutbox.DELIVERED, attempts, now, status, null, now);
            stats.delivered.incrementAndGet();
            return;
        }
        if (status != null && status == 410) {
            outbox.recordAttempt(row.id(), WebhookOutbox.GONE, attempts, now, status, "410 Gone", now);
            stats.gone.incrementAndGet();
            if (!stats.endpointDisabled) {
                stats.endpointDisabled = true;
                LOG.error(
                        "Webhook receiver {} answered 410 Gone: webhook delivery is disabled until restart;"
                                + " new events stay in the outbox",
                        uri);
            }
            return;
        }
        boolean retryable = status == null || status == 408 || status == 429 || status >= 500;
        String error = status != null ? "HTTP " + status : failure.toString();
        if (!retryable || attempts >= config.maxAttempts()) {
            outbox.recordAttempt(row.id(), WebhookOutbox.DEAD, attempts, now, status, error, now);
            stats.dead.incrementAndGet();
            LOG.warn("Webhook event {} ({}) dead after {} attempt(s): {}", row.id(), row.type(), attempts, error);
            return;
        }
        long delay = backoffMs(
                config.retryBaseMs(), attempts, ThreadLocalRandom.current().nextDouble());
        long retryAfter = retryAfterMs(response);
        outbox.recordAttempt(
                row.id(), WebhookOutbox.PENDING, attempts, now + Math.max(delay, retryAfter), status, error, now);
        stats.retries.incrementAndGet();
        logError("Webhook event " + row.id() + " attempt " + attempts + " failed (" + error + "); retrying in "
                + Math.max(delay, retryAfter) + " ms");
    }

    /** {@code base * 4^(attempt-1)}, capped at 6 h, times a jitter factor in [0.8, 1.2). */
    static long backoffMs(long baseMs, int attempt, double random) {
        double raw = baseMs * Math.pow(4, Math.max(0, attempt - 1));
        double capped = Math.min(raw, MAX_DELAY_MS);
        return (long) (capped * (0.8 + 0.4 * random));
    }

    private static long retryAfterMs(HttpResponse<Void> response) {
        if (response == null) {
            return 0;
        }
        String v = response.headers().firstValue("retry-after").orElse(null);
        if (v == null) {
            return 0;
        }
        try {
            return Math.min(MAX_DELAY_MS, Math.max(0, Long.parseLong(v.trim()) * 1000));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void logError(String message) {
        long now = clock.millis();
        if (now - lastErrorLogMs >= 10_000) {
            lastErrorLogMs = now;
            LOG.warn(message);
        }
    }

    /** Stops after the batch in progress (bounded by the HTTP timeout); claimed rows of an unfinished batch are retried after their lease. */
    @Override
    public void close() {
        closed = true;
        wakeups.release();
        try {
            thread.join(Math.min(15_000, config.timeout().toMillis() + 3_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
