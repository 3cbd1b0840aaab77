package dev.tollgate.admin.catalog;

import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InvalidationBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link CustomerCatalog} on the database, with a local cache in front.
 *
 * <p>A hit returns an already-completed future: one {@link ConcurrentHashMap} read of an
 * immutable entry, no I/O, no lock. A miss loads on the {@link JdbcExecutor}; concurrent misses of
 * one customer share one load. Unknown customers are cached as well (with the default budget's
 * limits), so a flood of distinct ids costs one load each per TTL, not one per request.
 *
 * <p>Entries are dropped by {@link #invalidate}/{@link #invalidateAll} (wired to the
 * {@link InvalidationBus} with {@link #subscribe}): the next request loads fresh data and waits for
 * it, so an admin change is enforced at once. Entries also go stale after a TTL as a safety net;
 * a stale entry is still served at once (stale-while-revalidate) and triggers one background
 * reload, which replaces it when it succeeds. When a reload fails (database down) the stale entry
 * stays in use, so no request waits for the database's connection timeout; only a customer never
 * loaded before waits for the database (and fails when it is down). After a failure, background
 * reloads pause: one probe at a time, at most one per {@link #RETRY_AFTER_FAILURE_MS}, and
 * reloads queued meanwhile skip the database, so a dead database cannot fill the JDBC executor.
 *
 * <p>When a cached budget period has ended, the next period end is computed from the cached
 * duration, with no I/O: periods are calendar-aligned, so every instance computes the same instant.
 */
public final class JdbcCustomerCatalog implements CustomerCatalog {
    /** Misses between two sweeps of expired entries, which keeps the map bounded to recent callers. */
    private static final int SWEEP_EVERY_LOADS = 1024;
    /** After a failed load, no background reload starts for this long (then one probe at a time). */
    static final long RETRY_AFTER_FAILURE_MS = 1_000;
    /** Failed background reloads are logged at most this often. */
    private static final long LOG_EVERY_MS = 60_000;

    private static final Logger LOG = LoggerFactory.getLogger(JdbcCustomerCatalog.class);

    private final JdbcExecutor executor;
    private final PolicyLoader loader;
    private final Clock clock;
    private final long ttlMs;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final KnownCustomers known;
    /** The policy of every customer without a row, shared (no entry per unknown caller). */
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> defaultPolicy = new ConcurrentHashMap<>();

    private final AtomicBoolean refreshingDefault = new AtomicBoolean();
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> loading = new ConcurrentHashMap<>();
    /** Bumped by every invalidation; a load that started before one must not fill the cache. */
    private final AtomicLong generation = new AtomicLong();

    private final AtomicLong loads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    /** True from a failed load until the next successful one. */
    private volatile boolean failing;

    private volatile long nextProbeAtMs;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicLong lastFailureLogMs = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong unloggedFailures = new AtomicLong();

    /**
     * @param defaultBudgetId {@code litellm_settings.max_end_user_budget_id}, or null
     * @param zone            {@code litellm_settings.timezone}, for calendar-aligned periods
     * @param ttl             how long an entry may be served without an invalidation (default 30 s)
     */
    public JdbcCustomerCatalog(
            DataSource dataSource,
            JdbcExecutor executor,
            String defaultBudgetId,
            ZoneId zone,
            Clock clock,
            Duration ttl) {
        this.executor = executor;
        this.loader = new PolicyLoader(dataSource, defaultBudgetId, zone);
        this.clock = clock;
        this.ttlMs = ttl.toMillis();
        this.known = new KnownCustomers(dataSource);
    }

    /**
     * Loads the ids of all known customers and keeps them in sync, so callers without a row are
     * answered without database access. Without it every unknown caller costs a database read.
     */
    public void startCustomerDirectory(Duration syncInterval) {
        known.start(syncInterval.toMillis());
    }

    /** Whether the directory of known customers has loaded (tests, readiness). */
    public boolean customerDirectoryReady() {
        return known.ready();
    }

    /** Stops the directory's sync thread. */
    public void close() {
        known.close();
    }

    /** Drops the catalogue's entries on every message of the bus ({@link InvalidationBus#ALL} = all). */
    public static <C extends CustomerCatalog> C subscribe(InvalidationBus bus, C catalog) {
        bus.subscribe(message -> {
            if (InvalidationBus.ALL.equals(message)) {
                catalog.invalidateAll();
            } else {
                catalog.invalidate(message);
            }
        });
        return catalog;
    }

    /** A cached policy and what is needed to keep it current without I/O. Immutable. */
    private record Entry(CustomerPolicy policy, BudgetDuration duration, long expiresAtMs) {}

    @Override
    public CompletionStage<CustomerPolicy> policy(String customerId, long nowMs) {
        Entry e = cache.get(customerId);
        if (e != null) {
            if (clock.millis() >= e.expiresAtMs()) {
                refreshInBackground(customerId, e, nowMs);
            }
            return CompletableFuture.completedFuture(
                    current(customerId, e, nowMs).policy());
        }
        if (!known.mightExist(customerId)) {
            return defaultEntry(nowMs)
                    .thenApply(d -> asCustomer(
                            customerId, current(DEFAULT_KEY, d, nowMs).policy()));
        }
        return load(customerId, nowMs)
                .thenApply(loaded -> current(customerId, loaded, nowMs).policy());
    }

    @Override
    public CompletionStage<Ledger> ledger(String customerId, String batchId, long nowMs) {
        // Always the database: the directory of known customers lags by a sync, and a row a flush
        // created meanwhile must count.
        return executor.submit(() -> loader.ledger(customerId, batchId, nowMs));
    }

    @Override
    public void invalidate(String customerId) {
        // An admin write may just have created this customer (on any instance): from now on it
        // takes the database path until the directory's next sync confirms it either way.
        known.add(customerId);
        generation.incrementAndGet();
        cache.remove(customerId);
        loading.remove(customerId);
    }

    @Override
    public void invalidateAll() {
        generation.incrementAndGet();
        cache.clear();
        loading.clear();
        defaultPolicy.clear();
    }

    private static final String DEFAULT_KEY = "";

    /**
     * The shared default policy: loaded once, then refreshed in the background when its TTL has
     * passed (the old one is served meanwhile, and kept if the database fails). Never per caller.
     */
    private CompletableFuture<Entry> defaultEntry(long nowMs) {
        CompletableFuture<Entry> f = defaultPolicy.get(DEFAULT_KEY);
        if (f == null || f.isCompletedExceptionally()) {
            CompletableFuture<Entry> fresh = new CompletableFuture<>();
            boolean mine = f == null
                    ? defaultPolicy.putIfAbsent(DEFAULT_KEY, fresh) == null
                    : defaultPolicy.replace(DEFAULT_KEY, f, fresh);
            if (!mine) {
                return defaultPolicy.getOrDefault(DEFAULT_KEY, fresh);
            }
            loadDefaultInto(fresh, null, nowMs);
            return fresh;
        }
        if (f.isDone() && clock.millis() >= f.join().expiresAtMs() && refreshingDefault.compareAndSet(false, true)) {
            CompletableFuture<Entry> next = new CompletableFuture<>();
            loadDefaultInto(next, f, nowMs);
        }
        return f;
    }

    private void loadDefaultInto(CompletableFuture<Entry> target, CompletableFuture<Entry> previous, long nowMs) {
        loads.incrementAndGet();
        executor.submit(() -> loader.loadDefault(DEFAULT_KEY, nowMs)).whenComplete((loaded, error) -> {
            if (previous != null) {
                refreshingDefault.set(false);
            }
            if (error != null) {
                if (previous == null) {
                    defaultPolicy.remove(DEFAULT_KEY, target);
                }
                target.completeExceptionally(error);
                return;
            }
            target.complete(new Entry(loaded.policy(), loaded.duration(), clock.millis() + ttlMs));
            if (previous != null) {
                defaultPolicy.replace(DEFAULT_KEY, previous, target);
            }
        });
    }

    private static CustomerPolicy asCustomer(String customerId, CustomerPolicy template) {
        return new CustomerPolicy(customerId, false, false, template.budgetId(), template.limits());
    }

    /** Database loads started so far (cache misses and background reloads), for metrics and tests. */
    public long loadCount() {
        return loads.get();
    }

    /** Background reloads that failed (the stale entry was kept), for metrics and tests. */
    public long reloadFailures() {
        return reloadFailures.get();
    }

    /** Entries held now (including expired ones not yet swept). */
    public int size() {
        return cache.size();
    }

    private CompletableFuture<Entry> load(String customerId, long nowMs) {
        long gen = generation.get();
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> shared = loading.putIfAbsent(customerId, mine);
        if (shared != null) {
            return shared;
        }
        long n = loads.incrementAndGet();
        executor.submit(() -> loader.load(customerId, nowMs)).whenComplete((loaded, error) -> {
            if (error != null) {
                markFailing();
                loading.remove(customerId, mine);
                // Not cached: the next request tries again.
                mine.completeExceptionally(error);
                return;
            }
            failing = false;
            Entry entry = new Entry(loaded.policy(), loaded.duration(), clock.millis() + ttlMs);
            // Cache before leaving the loading map, so no request falls between the two and loads again.
            // The generation is checked under the key's bin lock: an invalidation bumps it before
            // removing the key, so either it sees this entry and removes it, or this sees the bump.
            cache.compute(customerId, (k, old) -> generation.get() == gen ? entry : old);
            loading.remove(customerId, mine);
            if (n % SWEEP_EVERY_LOADS == 0) {
                sweepExpired();
            }
            mine.complete(entry);
        });
        return mine;
    }

    /**
     * Starts one reload of a stale entry unless one is running for this customer, or the database
     * failed recently (then only one probe at a time, after {@link #RETRY_AFTER_FAILURE_MS}). Never
     * waits: the caller serves the stale entry meanwhile.
     */
    private void refreshInBackground(String customerId, Entry stale, long nowMs) {
        if (loading.containsKey(customerId)) {
            return;
        }
        boolean probe = failing;
        if (probe && (clock.millis() < nextProbeAtMs || !probing.compareAndSet(false, true))) {
            return;
        }
        long gen = generation.get();
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        if (loading.putIfAbsent(customerId, mine) != null) {
            if (probe) {
                probing.set(false);
            }
            return;
        }
        loads.incrementAndGet();
        executor.submit(() -> {
                    // Queued before the database was found failing: leave it to the probe, skip the database.
                    return !probe && failing ? null : loader.load(customerId, nowMs);
                })
                .whenComplete((loaded, error) -> {
                    // A request that finds no entry (swept meanwhile) may join this load: it gets the result.
                    Entry entry = null;
                    Throwable failure = error;
                    if (error != null) {
                        markFailing();
                        reloadFailures.incrementAndGet();
                        logReloadFailure(customerId, error);
                    } else if (loaded == null) {
                        failure = new IllegalStateException("policy reload skipped: the database is failing");
                    } else {
                        failing = false;
                        entry = new Entry(loaded.policy(), loaded.duration(), clock.millis() + ttlMs);
                        Entry fresh = entry;
                        // Installed unless this customer was invalidated since: either nothing was
                        // invalidated at all, or the very entry this reload replaces is still there (an
                        // invalidation removes it, and a load after it installs a new one).
                        cache.compute(customerId, (k, old) -> generation.get() == gen || old == stale ? fresh : old);
                    }
                    // A failed or skipped reload keeps the stale entry; the next request past the back-off retries.
                    loading.remove(customerId, mine);
                    if (probe) {
                        probing.set(false);
                    }
                    if (failure != null) {
                        mine.completeExceptionally(failure);
                    } else {
                        mine.complete(entry);
                    }
                });
    }

    private void markFailing() {
        failing = true;
        nextProbeAtMs = clock.millis() + RETRY_AFTER_FAILURE_MS;
    }

    private void logReloadFailure(String customerId, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        long now = clock.millis();
        long last = lastFailureLogMs.get();
        long suppressed = unloggedFailures.incrementAndGet();
        if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_MS) && lastFailureLogMs.compareAndSet(last, now)) {
            unloggedFailures.addAndGet(-suppressed);
            LOG.warn(
                    "Customer policy reload failed ({} failure(s) since the last report, latest for customer {}): {};"
                            + " serving cached policies until the database answers",
                    suppressed,
                    customerId,
                    cause.toString());
        }
    }

    /** The entry with its period end rolled forward when the cached one has passed (no I/O). */
    private Entry current(String customerId, Entry e, long nowMs) {
        CustomerLimits l = e.policy().limits();
        if (e.duration() == null || l.periodEndMs() == 0 || nowMs < l.periodEndMs()) {
            return e;
        }
        long next = e.duration()
                .nextReset(Instant.ofEpochMilli(nowMs), loader.zone())
                .toEpochMilli();
        CustomerPolicy p = e.policy();
        Entry rolled = new Entry(
                new CustomerPolicy(
                        p.customerId(),
                        p.known(),
                        p.blocked(),
                        p.budgetId(),
                        new CustomerLimits(l.maxBudgetNanos(), l.rpmLimit(), l.tpmLimit(), next)),
                e.duration(),
                e.expiresAtMs());
        // Only replaces the very entry we read, so a concurrent invalidation or reload wins.
        cache.replace(customerId, e, rolled);
        return rolled;
    }

    /**
     * Drops entries stale for more than another TTL: no request used them since they went stale
     * (a request would have reloaded them). Skipped while the database fails, when stale entries
     * are what keeps requests from waiting on it.
     */
    private void sweepExpired() {
        if (failing) {
            return;
        }
        long now = clock.millis();
        cache.values().removeIf(e -> now - e.expiresAtMs() >= ttlMs);
    }
}
