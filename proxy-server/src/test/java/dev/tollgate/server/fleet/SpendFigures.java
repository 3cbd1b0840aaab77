package dev.tollgate.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.AccountSnapshot;
import dev.tollgate.core.limits.redis.RedisLimitStore;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The four figures of one customer's spend that must agree once a fault is over: the truth (the
 * sum of the {@code x-litellm-response-cost} headers of its answered calls), the ledger
 * (PostgreSQL), the enforced figure (the Redis account's {@code spent}, with what is still pending
 * persistence beside it) and what {@code /customer/info} shows.
 */
record SpendFigures(String customer, long headers, long ledger, long enforced, long pending, long info) {

    /** Reads the figures of every customer; {@code extraNanos} adds calls made outside {@code calls}. */
    static Map<String, SpendFigures> read(
            List<String> customers,
            List<Load.Call> calls,
            Map<String, Long> extraNanos,
            PostgresProcess postgres,
            RedisLimitStore store,
            Load.Target admin)
            throws Exception {
        Map<String, SpendFigures> out = new LinkedHashMap<>();
        for (String c : customers) {
            long headers = extraNanos.getOrDefault(c, 0L)
                    + calls.stream()
                            .filter(x -> x.ok() && x.customer().equals(c))
                            .mapToLong(Load.Call::costNanos)
                            .sum();
            long ledger = postgres.queryLong("SELECT spend_nanos FROM tg_customer WHERE user_id = ?", c);
            AccountSnapshot account = store.snapshot(c).toCompletableFuture().get(5, TimeUnit.SECONDS);
            long pending = store.pendingNanos(c).toCompletableFuture().get(5, TimeUnit.SECONDS);
            out.put(
                    c,
                    new SpendFigures(
                            c,
                            headers,
                            ledger,
                            account.present() ? account.spentNanos() : -1,
                            pending,
                            info(admin, c)));
        }
        return out;
    }

    /** {@code /customer/info}'s spend in nano-dollars. */
    static long info(Load.Target admin, String customer) throws Exception {
        HttpResponse<String> r = admin.get("/customer/info?end_user_id=" + customer);
        if (r.statusCode() != 200) {
            throw new AssertionError("/customer/info of " + customer + ": " + r.statusCode() + " " + r.body());
        }
        JsonNode spend = Json.MAPPER.readTree(r.body()).get("spend");
        return new BigDecimal(spend.asText()).movePointRight(9).longValueExact();
    }

    /** Whether ledger, enforced figure and {@code /customer/info} all equal the truth, nothing pending. */
    boolean agree() {
        return ledger == headers && enforced == headers && pending == 0 && info == headers;
    }

    @Override
    public String toString() {
        return "%s: headers %d, ledger %d (%+d), enforced %d (%+d), pending %d, info %d"
                .formatted(customer, headers, ledger, ledger - headers, enforced, enforced - headers, pending, info);
    }
}
