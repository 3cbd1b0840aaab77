package dev.tollgate.admin.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.admin.export.SpendExport;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/** Keyset pages of {@code /customer/list} while rows arrive, and the CSV export's exact money. */
class CustomerPagingAndExportTest extends AdminApiTestBase {

    private static JsonNode page(AdminApiFixture f, String q, String after, int size) {
        List<String> args = new ArrayList<>(List.of("page_size", Integer.toString(size)));
        if (q != null) {
            args.addAll(List.of("q", q));
        }
        if (after != null) {
            args.addAll(List.of("after", after));
        }
        return f.get("/customer/list", args.toArray(String[]::new));
    }

    @BothDatabases
    void keysetPagesSkipAndRepeatNothingWhileCustomersAreInserted(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        String p = AdminApiFixture.id("ks") + "-";
        TreeSet<String> before = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            String id = p + String.format("%03d", i * 2);
            f.post("/customer/new", AdminApiFixture.obj("user_id", id));
            before.add(id);
        }
        List<String> seen = new ArrayList<>();
        Set<String> insertedBehind = new HashSet<>();
        Set<String> insertedAhead = new HashSet<>();
        String after = null;
        int round = 0;
        while (true) {
            JsonNode rows = page(f, p, after, 7);
            if (rows.isEmpty()) {
                break;
            }
            for (JsonNode r : rows) {
                seen.add(r.get("user_id").asText());
            }
            after = seen.get(seen.size() - 1);
            if (round < 5) {
                // Between pages: one customer lands before the cursor, one after it.
                String behind = p + "000b" + round;
                String ahead = after + "a" + round;
                f.post("/customer/new", AdminApiFixture.obj("user_id", behind));
                f.post("/customer/new", AdminApiFixture.obj("user_id", ahead));
                insertedBehind.add(behind);
                insertedAhead.add(ahead);
            }
            round++;
        }
        assertThat(seen).as("in id order, no repeats").isSorted().doesNotHaveDuplicates();
        assertThat(seen).as("every row that was there at the start").containsAll(before);
        assertThat(seen).as("rows inserted ahead of the cursor are reached").containsAll(insertedAhead);
        assertThat(seen)
                .as("rows inserted behind the cursor neither shift the pages nor appear")
                .doesNotContainAnyElementsOf(insertedBehind);
        // Offset pages and keyset pages agree on a quiet table.
        JsonNode first = page(f, p, null, 5);
        JsonNode second = page(f, p, first.get(4).get("user_id").asText(), 5);
        JsonNode byOffset = f.get("/customer/list", "q", p, "page", "2", "page_size", "5");
        assertThat(second).isEqualTo(byOffset);
        AdminApiFixture.error(f.getCall("/customer/list", "page", "2", "after", "x"))
                .is(400, "invalid_request_error", "after", "Use either page or after, not both.");
    }

    @BothDatabases
    void theExportHasEveryCustomerWithUsageAndExactMoney(String kind) throws Exception {
        AdminApiFixture f = fixture(kind);
        DataSource ds = f.db.db().dataSource();
        String a = AdminApiFixture.id("exp");
        String b = "=" + AdminApiFixture.id("exp"); // a formula to a spreadsheet
        f.post("/customer/new", AdminApiFixture.obj("user_id", a, "alias", "Acme, \"Inc\""));
        daily(ds, a, "2025-03-01", "gpt-4o", 3, 1_000_000_001L);
        daily(ds, a, "2025-03-02", "gpt-4o-mini", 2, 999_999_999L);
        daily(ds, a, "2025-02-28", "gpt-4o", 1, 5L); // outside the range
        daily(ds, b, "2025-03-10", "gpt-4o", 1, 7L); // usage without a customer row

        StringBuilder csv = new StringBuilder();
        long rows =
                new SpendExport(ds).write(LocalDate.parse("2025-03-01"), LocalDate.parse("2025-03-31"), csv::append);

        List<String> lines = csv.toString().lines().toList();
        assertThat(lines.get(0)).isEqualTo(SpendExport.HEADER.strip());
        String rowA =
                lines.stream().filter(l -> l.startsWith(a + ",")).findFirst().orElseThrow();
        assertThat(rowA).isEqualTo(a + ",\"Acme, \"\"Inc\"\"\",,false,5,10,20,2,2000000000");
        String rowB = lines.stream().filter(l -> l.contains(b)).findFirst().orElseThrow();
        assertThat(rowB).isEqualTo("\"'" + b + "\",,,false,1,5,10,0.000000007,7");
        assertThat(rows).isGreaterThanOrEqualTo(2);
        assertThat(csv.toString().getBytes(StandardCharsets.UTF_8)).isNotEmpty();
    }

    private static void daily(DataSource ds, String customer, String day, String model, long requests, long nanos)
            throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO tg_daily_customer_spend (customer_id, usage_day,"
                        + " model, requests, successful_requests, failed_requests, prompt_tokens, completion_tokens,"
                        + " spend_nanos) VALUES (?, ?, ?, ?, ?, 0, 5, 10, ?)")) {
            ps.setString(1, customer);
            ps.setString(2, day);
            ps.setString(3, model);
            ps.setLong(4, requests);
            ps.setLong(5, requests);
            ps.setLong(6, nanos);
            ps.executeUpdate();
        }
    }
}
