package dev.tollgate.core.limits.redis;

import dev.tollgate.core.limits.BatchIds;
import dev.tollgate.core.limits.PendingBatch;
import dev.tollgate.core.limits.PendingFields;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The spend flusher's claims and acknowledgements of pending spend (claim.lua, ack.lua). On a
 * single Redis a page of up to {@link #PAGE} customers goes in one script call, and the dirty mark
 * of a customer left with nothing pending is cleared inside the same script. On a Redis Cluster a
 * script stays in one customer's slot, so each customer is one call and the mark (a key of another
 * slot) is cleared with commands of its own. Either way a flushed customer costs one claim and one
 * acknowledgement, and no empty claim on the next pass.
 */
final class PendingClaims {
    /**
     * Customers per script call on a single Redis: a page runs in about half a millisecond of Redis
     * time, so calls queued behind it wait little, and the per-call overhead is shared 100 ways.
     */
    static final int PAGE = 100;

    /**
     * Lifetime of a flush token after its last change. A reconciliation compares tokens read
     * seconds apart; one that expired reads as "" and still differs from any batch's token.
     */
    static final long FLUSH_TOKEN_TTL_MS = 24 * 3_600_000L;

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final LoopConnections connections;
    private final ScriptRunner scripts;
    private final RedisKeys keys;
    private final LuaScript claim;
    private final LuaScript ack;
    /** Whether the scripts may touch the dirty set and several customers (a single Redis). */
    private final boolean singleRedis;

    PendingClaims(
            LoopConnections connections,
            ScriptRunner scripts,
            RedisKeys keys,
            LuaScript claim,
            LuaScript ack,
            boolean singleRedis) {
        this.connections = connections;
        this.scripts = scripts;
        this.keys = keys;
        this.claim = claim;
        this.ack = ack;
        this.singleRedis = singleRedis;
    }

    /** One stage per customer, in order; customers of one page share a script call and its failure. */
    List<CompletionStage<PendingBatch>> claim(List<String> customerIds) {
        List<CompletionStage<PendingBatch>> out = new ArrayList<>(customerIds.size());
        int page = singleRedis ? PAGE : 1;
        for (int from = 0; from < customerIds.size(); from += page) {
            List<String> ids = customerIds.subList(from, Math.min(customerIds.size(), from + page));
            CompletionStage<List<PendingBatch>> batches = claimPage(ids);
            for (int i = 0; i < ids.size(); i++) {
                int at = i;
                out.add(batches.thenApply(b -> b.get(at)));
            }
        }
        return out;
    }

    /** One stage per batch, in order; a batch without an id (nothing was claimed) is a no-op. */
    List<CompletionStage<Void>> ack(List<PendingBatch> batches) {
        List<CompletionStage<Void>> out = new ArrayList<>(batches.size());
        List<PendingBatch> page = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        int pageSize = singleRedis ? PAGE : 1;
        for (PendingBatch batch : batches) {
            out.add(DONE);
            if (batch.batchId() != null) {
                page.add(batch);
                slots.add(out.size() - 1);
                if (page.size() == pageSize) {
                    ackPage(page, slots, out);
                    page = new ArrayList<>();
                    slots = new ArrayList<>();
                }
            }
        }
        if (!page.isEmpty()) {
            ackPage(page, slots, out);
        }
        return out;
    }

    private CompletionStage<List<PendingBatch>> claimPage(List<String> ids) {
        int n = ids.size();
        String[] k = pageKeys(n);
        String[] a = new String[2 * n + 1];
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            String id = ids.get(i);
            k[3 * i] = keys.pending(id);
            k[3 * i + 1] = keys.claimed(id);
            k[3 * i + 2] = keys.flushToken(id);
            a[i] = BatchIds.next(now);
            a[n + i] = id;
        }
        a[2 * n] = Long.toString(FLUSH_TOKEN_TTL_MS);
        return scripts.<List<Object>>run(connections.commands(), claim, ScriptOutputType.MULTI, k, a)
                .thenCompose(replies -> {
                    List<PendingBatch> batches = new ArrayList<>(n);
                    CompletionStage<Void> cleared = DONE;
                    for (int i = 0; i < n; i++) {
                        String id = ids.get(i);
                        List<?> flat = (List<?>) replies.get(i);
                        if (!flat.isEmpty()) {
                            batches.add(toBatch(id, flat));
                            continue;
                        }
                        batches.add(PendingFields.empty(id));
                        if (!singleRedis) {
                            cleared = cleared.thenCompose(x -> clearDirty(id));
                        }
                    }
                    return cleared.thenApply(x -> batches);
                });
    }

    private void ackPage(List<PendingBatch> page, List<Integer> slots, List<CompletionStage<Void>> out) {
        int n = page.size();
        String[] k = pageKeys(n);
        String[] a = new String[2 * n + 1];
        for (int i = 0; i < n; i++) {
            String id = page.get(i).customerId();
            k[3 * i] = keys.claimed(id);
            k[3 * i + 1] = keys.flushToken(id);
            k[3 * i + 2] = keys.pending(id);
            a[i] = page.get(i).batchId();
            a[n + i] = id;
        }
        a[2 * n] = Long.toString(FLUSH_TOKEN_TTL_MS);
        CompletionStage<Void> acked = scripts.<List<Object>>run(
                        connections.commands(), ack, ScriptOutputType.MULTI, k, a)
                .thenCompose(replies -> {
                    CompletionStage<Void> cleared = DONE;
                    for (int i = 0; i < n; i++) {
                        if (!singleRedis && RedisLimitStore.num(replies.get(i)) == 2) {
                            String id = page.get(i).customerId();
                            cleared = cleared.thenCompose(x -> clearDirty(id));
                        }
                    }
                    return cleared;
                });
        for (int slot : slots) {
            out.set(slot, acked);
        }
    }

    /** Room for three keys per customer, and the dirty set last on a single Redis. */
    private String[] pageKeys(int customers) {
        String[] k = new String[3 * customers + (singleRedis ? 1 : 0)];
        if (singleRedis) {
            k[3 * customers] = keys.dirty();
        }
        return k;
    }

    /**
     * Clears the dirty mark of a customer found with nothing pending (Redis Cluster). A settle on
     * another instance may have added spend and its mark between the script and the SREM, so the
     * pending hash is checked again afterwards and the mark restored if needed.
     */
    private CompletionStage<Void> clearDirty(String customerId) {
        RedisClusterAsyncCommands<String, String> redis = connections.commands();
        return redis.srem(keys.dirty(), customerId)
                .thenCompose(n -> redis.exists(keys.pending(customerId)))
                .thenCompose(exists ->
                        exists > 0 ? redis.sadd(keys.dirty(), customerId).thenApply(x -> (Void) null) : DONE);
    }

    private static PendingBatch toBatch(String customerId, List<?> flat) {
        String batchId = null;
        Map<String, Long> fields = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = String.valueOf(flat.get(i));
            if (field.equals("id")) {
                batchId = String.valueOf(flat.get(i + 1));
            } else {
                fields.put(field, RedisLimitStore.num(flat.get(i + 1)));
            }
        }
        return PendingFields.toBatch(customerId, batchId, fields);
    }
}
