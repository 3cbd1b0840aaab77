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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The {@link CustomerCatalog} on the database, with a local cache in front.
 *
 * <p>A hit returns an already-completed future: one {@link ConcurrentHashMap} read of an
 * immutable entry, no I/O, no lock. A miss loads on the {@link JdbcExecutor}; concurrent misses of
 * one customer share one load. Unknown customers are cached as well (with the default budget's
 * limits), so a flood of distinct ids costs one load each per TTL, not one per request.
 *
 * <p>Entries are dropped by {@link #invalidate}/{@link #invalidateAll} (wired to the
 * {@link InvalidationBus} with {@link #subscribe}) and expire after a TTL as a safety net. When a
 * cached budget period has ended, the next period end is computed from the cached duration, with
 * no I/O: periods are calendar-aligned, so every instance computes the same instant.
 */
public final class JdbcCustomerCatalog implements CustomerCatalog {
    /** Misses between two sweeps of expired entries, which keeps the map bounded to recent callers. */
    private static final int SWEEP_EVERY_LOADS = 1024;

    private final JdbcExecutor executor;
    private final PolicyLoader loader;
    private final Clock clock;
    private final long ttlMs;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Entry>> loading = new ConcurrentHashMap<>();
    /** Bumped by every invalidation; a load that started before one must not fill the cache. */
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong loads = new AtomicLong();

    /**
     * @param defaultBudgetId {@code litellm_settings.max_end_user_budget_id}, or null
     * @param zone            {@code litellm_settings.timezone}, for calendar-aligned periods
     * @param ttl             how long an entry may be served without an invalidation (default 30 s)
     */
    public JdbcCustomerCatalog(DataSource dataSource, JdbcExecutor executor, String defaultBudgetId, ZoneId zone, Clock clock,
            Duration ttl) {
        this.executor = executor;
        this.loader = new PolicyLoader(dataSource, defaultBudgetId, zone);
        this.clock = clock;
        this.ttlMs = ttl.toMillis();
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
    private record Entry(CustomerPolicy policy, BudgetDuration duration, long expiresAtMs) {
    }

    @Override
    public CompletionStage<CustomerPolicy> policy(String customerId, long nowMs) {
        Entry e = cache.get(customerId);
        if (e != null && clock.millis() < e.expiresAtMs()) {
            return CompletableFuture.completedFuture(current(customerId, e, nowMs).policy());
        }
        return load(customerId, nowMs).thenApply(loaded -> current(customerId, loaded, nowMs).policy());
    }

    @Override
    public CompletionStage<SeedSpend> persistedSpend(String customerId, long nowMs) {
        return executor.submit(() -> loader.persistedSpend(customerId, nowMs));
    }

    @Override
    public void invalidate(String customerId) {
        generation.incrementAndGet();
        cache.remove(customerId);
        loading.remove(customerId);
    }

    @Override
    public void invalidateAll() {
        generation.incrementAndGet();
        cache.clear();
        loading.clear();
    }

    /** Database loads so far (cache misses), for metrics and tests. */
    public long loadCount() {
        return loads.get();
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
                loading.remove(customerId, mine);
                // Not cached: the next request tries again.
                mine.completeExceptionally(error);
                return;
            }
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

    /** The entry with its period end rolled forward when the cached one has passed (no I/O). */
    private Entry current(String customerId, Entry e, long nowMs) {
        CustomerLimits l = e.policy().limits();
        if (e.duration() == null || l.periodEndMs() == 0 || nowMs < l.periodEndMs()) {
            return e;
        }
        long next = e.duration().nextReset(Instant.ofEpochMilli(nowMs), loader.zone()).toEpochMilli();
        CustomerPolicy p = e.policy();
        Entry rolled = new Entry(new CustomerPolicy(p.customerId(), p.known(), p.blocked(), p.budgetId(),
                new CustomerLimits(l.maxBudgetNanos(), l.rpmLimit(), l.tpmLimit(), next)), e.duration(), e.expiresAtMs());
        // Only replaces the very entry we read, so a concurrent invalidation or reload wins.
        cache.replace(customerId, e, rolled);
        return rolled;
    }

    private void sweepExpired() {
        long now = clock.millis();
        cache.values().removeIf(e -> now >= e.expiresAtMs());
    }
}
