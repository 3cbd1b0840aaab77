package dev.tollgate.admin.api;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/** One {@link AdminApiFixture} per database kind per test class, created on first use. */
abstract class AdminApiTestBase {
    private static final Map<String, AdminApiFixture> FIXTURES = new HashMap<>();

    static synchronized AdminApiFixture fixture(String kind) throws Exception {
        AdminApiFixture f = FIXTURES.get(kind);
        if (f == null) {
            f = new AdminApiFixture(kind);
            FIXTURES.put(kind, f);
        }
        return f;
    }

    @AfterAll
    static synchronized void closeFixtures() throws Exception {
        for (AdminApiFixture f : FIXTURES.values()) {
            f.close();
        }
        FIXTURES.clear();
    }
}
