package dev.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.admin.api.AdminApi;
import dev.tollgate.admin.api.AdminRequest;
import dev.tollgate.admin.api.AdminSettings;
import dev.tollgate.admin.db.TestDatabases;
import dev.tollgate.admin.export.SpendExport;
import dev.tollgate.admin.spend.SpendFlusher;
import dev.tollgate.admin.spend.SpendRepository;
import dev.tollgate.core.limits.AdmitDecision;
import dev.tollgate.core.limits.AdmitRequest;
import dev.tollgate.core.limits.CustomerLimits;
import dev.tollgate.core.limits.InProcessLimitStore;
import dev.tollgate.core.limits.LocalInvalidationBus;
import dev.tollgate.core.limits.SettleRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The admin API and the spend flush with a million customers in PostgreSQL. Timings go to
 * {@code target/scale-report.md}; they are measured, not asserted (the machine decides them).
 * Tagged {@code scale} and left out of {@code mvn verify}; run it with
 * {@code mvn -B -pl proxy-admin -am verify -Dgroups=scale -DexcludedGroups= -Dtest=ScaleTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("scale")
class ScaleTest {
    private static final int CUSTOMERS = Integer.getInteger("tollgate.scale.customers", 1_000_000);
    private static final int DIRTY = Integer.getInteger("tollgate.scale.dirty", 100_000);
    private static final int REPEAT = 200;
    private static final String DAY = "2025-03-15";

    private final StringBuilder report = new StringBuilder();

    @Test
    void aMillionCustomers() throws Exception {
        try (TestDatabases.Handle h = TestDatabases.create("postgres");
                InProcessLimitStore store = new InProcessLimitStore()) {
            DataSource ds = h.db().dataSource();
            line("# Scale test: " + String.format(Locale.ROOT, "%,d", CUSTOMERS) + " customers (PostgreSQL)");
            line("");
            line("Timings on this machine (not asserted). p50 / p99 of " + REPEAT + " calls each.");
            line("");
            long t0 = System.nanoTime();
            exec(
                    ds,
                    "INSERT INTO tg_customer (user_id, alias, alias_lower, spend_nanos, spend_period_end, blocked,"
                            + " created_at, updated_at) SELECT 'cust-' || lpad(g::text, 7, '0'),"
                            + " CASE WHEN g % 10 = 0 THEN 'Shop ' || g END, CASE WHEN g % 10 = 0 THEN 'shop ' || g END,"
                            + " g, 0, FALSE, 0, 0 FROM generate_series(1, " + CUSTOMERS + ") g");
            exec(
                    ds,
                    "INSERT INTO tg_daily_customer_spend (customer_id, usage_day, model, requests,"
                            + " successful_requests, failed_requests, prompt_tokens, completion_tokens, spend_nanos)"
                            + " SELECT 'cust-' || lpad(g::text, 7, '0'), '" + DAY + "', 'gpt-4o', 1, 1, 0, 10, 20, g"
                            + " FROM generate_series(1, " + CUSTOMERS + ") g");
            exec(ds, "ANALYZE");
            line("| step | p50 ms | p99 ms |");
            line("|---|---|---|");
            line(String.format(
                    Locale.ROOT,
                    "| load %,d customers and a day of usage (generate_series) | %.0f | |",
                    CUSTOMERS,
                    (System.nanoTime() - t0) / 1e6));

            AdminApi api = new AdminApi(
                    ds,
                    store,
                    new LocalInvalidationBus(),
                    new AdminSettings(java.util.Set.of("gpt-4o"), ZoneOffset.UTC, null),
                    Clock.systemUTC());
            String last = String.format("cust-%07d", CUSTOMERS - 100);
            time("/customer/list, first page (100)", () -> get(api, "/customer/list"));
            time("/customer/list, keyset page deep in the table", () -> get(api, "/customer/list", "after", last));
            time("/customer/list?q= id prefix", () -> get(api, "/customer/list", "q", "cust-09999"));
            time("/customer/list?q= alias prefix, any case", () -> get(api, "/customer/list", "q", "SHOP 99999"));
            time("/customer/info", () -> get(api, "/customer/info", "end_user_id", "cust-0500000"));

            long e0 = System.nanoTime();
            long[] bytes = new long[1];
            long rows = new SpendExport(ds)
                    .write(LocalDate.parse(DAY), LocalDate.parse(DAY), text -> bytes[0] += text.length());
            line(String.format(
                    Locale.ROOT,
                    "| CSV export of a day, %,d rows, %,d bytes | %.0f | |",
                    rows,
                    bytes[0],
                    (System.nanoTime() - e0) / 1e6));
            assertThat(rows).isEqualTo(CUSTOMERS);

            // A flush of DIRTY customers with pending spend (an in-process store, so the time is ours and the
            // database's).
            long now = System.currentTimeMillis();
            for (int i = 0; i < DIRTY; i++) {
                String id = String.format("cust-%07d", i * (CUSTOMERS / DIRTY) + 1);
                store.seed(id, 0, 0);
                AdmitDecision d = store.admit(new AdmitRequest(id, CustomerLimits.UNLIMITED, now, 100, 10))
                        .toCompletableFuture()
                        .join();
                store.settle(SettleRequest.builder()
                        .customerId(id)
                        .reserveNanos(100)
                        .reserveTokens(10)
                        .windowStartMs(d.windowStartMs())
                        .costNanos(100)
                        .rateTokens(10)
                        .day(DAY)
                        .model("gpt-4o")
                        .promptTokens(7)
                        .completionTokens(3)
                        .success(true)
                        .build());
            }
            SpendRepository repo = new SpendRepository(ds);
            try (SpendFlusher flusher = new SpendFlusher(store, repo, Duration.ofSeconds(10))) {
                long pg0 = backendCpuMillis(ds);
                long f0 = System.nanoTime();
                int applied = flusher.flushNow().get(10, TimeUnit.MINUTES);
                double wallMs = (System.nanoTime() - f0) / 1e6;
                long pgMs = backendCpuMillis(ds) - pg0;
                line(String.format(
                        Locale.ROOT,
                        "| flush of %,d dirty customers: %,d batches; CPU: flusher thread %.0f ms, PostgreSQL"
                                + " backends %d ms (wall %.0f ms) | | |",
                        DIRTY,
                        applied,
                        flusher.passCpuNanos() / 1e6,
                        pgMs,
                        wallMs));
                assertThat(applied).isEqualTo(DIRTY);
            }
            Path out = Path.of("target", "scale-report.md");
            Files.writeString(out, report);
            System.out.println(report);
        }
    }

    private void time(String what, Supplier<Object> call) {
        for (int i = 0; i < 20; i++) {
            call.get();
        }
        long[] ns = new long[REPEAT];
        for (int i = 0; i < REPEAT; i++) {
            long s = System.nanoTime();
            call.get();
            ns[i] = System.nanoTime() - s;
        }
        Arrays.sort(ns);
        line(String.format(
                Locale.ROOT, "| %s | %.2f | %.2f |", what, ns[REPEAT / 2] / 1e6, ns[REPEAT * 99 / 100] / 1e6));
    }

    private static Object get(AdminApi api, String path, String... query) {
        Map<String, List<String>> params = new java.util.HashMap<>();
        for (int i = 0; i + 1 < query.length; i += 2) {
            params.put(query[i], List.of(query[i + 1]));
        }
        return api.handle(new AdminRequest("GET", path, params, null, "scale-test"))
                .body();
    }

    /**
     * CPU time of this database's PostgreSQL backends (on this machine), from /proc; a backend that
     * ended meanwhile is not counted.
     */
    private static long backendCpuMillis(DataSource ds) throws Exception {
        long ticks = 0;
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                java.sql.ResultSet rs =
                        s.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")) {
            while (rs.next()) {
                Path stat = Path.of("/proc", Integer.toString(rs.getInt(1)), "stat");
                if (Files.isReadable(stat)) {
                    String text = Files.readString(stat);
                    String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                }
            }
        }
        return ticks * 10; // 100 ticks per second
    }

    private void line(String s) {
        report.append(s).append('\n');
    }

    private static void exec(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
