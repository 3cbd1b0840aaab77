package dev.tollgate.admin.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.core.error.ErrorBody;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.LocalInvalidationBus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;

/**
 * One migrated database (PostgreSQL or H2) with an {@link AdminApi} over it, a stub limit store, a
 * recording invalidation bus and a fixed clock (2025-03-15T10:20:30Z, zone UTC). Tests share it per
 * class and keep apart by using fresh ids from {@link #id}.
 */
final class AdminApiFixture implements AutoCloseable {
    static final Instant NOW = Instant.parse("2025-03-15T10:20:30Z");
    static final String ACTOR = "admin-1";
    static final String DEFAULT_BUDGET = "default-tier";
    private static final AtomicInteger SEQ = new AtomicInteger();

    final TestDatabases.Handle db;
    final StubLimitStore limits = new StubLimitStore();
    final List<String> published = new CopyOnWriteArrayList<>();
    final AdminApi api;

    AdminApiFixture(String kind) throws Exception {
        db = TestDatabases.create(kind);
        LocalInvalidationBus bus = new LocalInvalidationBus();
        bus.subscribe(published::add);
        api = new AdminApi(
                db.db().dataSource(),
                limits,
                bus,
                new AdminSettings(Set.of("gpt-4o", "gpt-4o-mini"), ZoneOffset.UTC, DEFAULT_BUDGET),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /** A fresh id, unique in this JVM, e.g. {@code c-17}. */
    static String id(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that {@code actual} serialises to the same JSON as {@code expected} (re-parsed, so
     * int/long node classes and key order inside objects do not matter).
     */
    static void assertJson(JsonNode actual, String expected) {
        assertThat(json(Json.string(actual))).isEqualTo(json(expected));
    }

    static ObjectNode obj(Object... keyValues) {
        return (ObjectNode) Json.MAPPER.valueToTree(map(keyValues));
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    JsonNode post(String path, JsonNode body) {
        AdminResponse r = api.handle(new AdminRequest("POST", path, Map.of(), body, ACTOR));
        assertThat(r.status()).isEqualTo(200);
        return r.body();
    }

    /** GET with query parameters as name, value pairs. */
    JsonNode get(String path, String... query) {
        Map<String, List<String>> q = new HashMap<>();
        for (int i = 0; i < query.length; i += 2) {
            q.put(query[i], List.of(query[i + 1]));
        }
        AdminResponse r = api.handle(new AdminRequest("GET", path, q, null, ACTOR));
        assertThat(r.status()).isEqualTo(200);
        return r.body();
    }

    /** The OpenAI-shaped error body a failing call renders to, with its HTTP status. */
    static Rendered error(Runnable call) {
        TollgateException e = catchThrowableOfType(TollgateException.class, call::run);
        assertThat(e).as("expected a TollgateException").isNotNull();
        return new Rendered(e.status(), ErrorBody.of(e).get("error"), e);
    }

    record Rendered(int status, JsonNode error, TollgateException exception) {
        /** Asserts status, type, param (null for JSON null), message and code = status. */
        void is(int status, String type, String param, String message) {
            assertThat(this.status).isEqualTo(status);
            assertThat(error.get("type").asText()).isEqualTo(type);
            if (param == null) {
                assertThat(error.get("param").isNull()).isTrue();
            } else {
                assertThat(error.get("param").asText()).isEqualTo(param);
            }
            assertThat(error.get("message").asText()).isEqualTo(message);
            assertThat(error.get("code").asText()).isEqualTo(Integer.toString(status));
        }
    }

    Runnable postCall(String path, JsonNode body) {
        return () -> api.handle(new AdminRequest("POST", path, Map.of(), body, ACTOR));
    }

    Runnable getCall(String path, String... query) {
        return () -> get(path, query);
    }

    /** Inserts one daily aggregate row, as the spend flusher would. */
    void daily(
            String customer,
            String day,
            String model,
            long requests,
            long ok,
            long failed,
            long prompt,
            long completion,
            long spendNanos)
            throws Exception {
        try (Connection c = db.db().dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO tg_daily_customer_spend (customer_id, usage_day, model, requests, successful_requests,"
                                + " failed_requests, prompt_tokens, completion_tokens, spend_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, customer);
            ps.setString(2, day);
            ps.setString(3, model);
            long[] v = {requests, ok, failed, prompt, completion, spendNanos};
            for (int i = 0; i < v.length; i++) {
                ps.setLong(4 + i, v[i]);
            }
            ps.executeUpdate();
        }
    }

    long count(String sql, String arg) throws Exception {
        try (Connection c = db.db().dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(n -> n.get(field).asText())
                .toList();
    }

    static List<String> list(String... s) {
        return Arrays.asList(s);
    }

    @Override
    public void close() throws Exception {
        db.close();
    }
}
