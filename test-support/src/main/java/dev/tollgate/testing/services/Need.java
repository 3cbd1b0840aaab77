package dev.tollgate.testing.services;

/**
 * Something a test needs from the machine that a fresh clone may not have. When it is missing,
 * the tests that need it are skipped and the first skip in the JVM prints {@link #skipLine()};
 * with {@code -Dtollgate.tests.requireServices=true} they fail instead.
 */
public enum Need {
    /** A Redis: {@code TOLLGATE_TEST_REDIS_URL}, the shared one, or a private one. */
    REDIS(Texts.FLEET, Texts.FLEET_FIX),
    /** A PostgreSQL role that may create databases: {@code TOLLGATE_TEST_DATABASE_URL}, the shared one, or a private one. */
    POSTGRES(Texts.FLEET, Texts.FLEET_FIX),
    /** The installed {@code redis-server} and {@code redis-cli}, for tests that start and stop servers of their own. */
    REDIS_SERVER(Texts.FAULT, Texts.FAULT_FIX),
    /** The installed {@code initdb} and {@code pg_ctl}, for tests that start and stop servers of their own. */
    POSTGRES_SERVER(Texts.FAULT, Texts.FAULT_FIX),
    /** {@code node} and {@code npm}, for the tests that drive the proxy with the openai npm SDK. */
    NODE("Node.js tests skipped: no node or npm found", "install nodejs and npm"),
    /** Debian's {@code chromium} (or {@code $CHROMIUM}), for the admin page's browser test. */
    CHROMIUM("browser tests skipped: no chromium found", "install chromium, or set CHROMIUM to a Chromium binary");

    private final String skipped;
    private final String remedy;

    Need(String skipped, String remedy) {
        this.skipped = skipped;
        this.remedy = remedy;
    }

    /** The one line printed when tests are skipped for want of this. */
    public String skipLine() {
        return skipped + "; " + remedy;
    }

    /** How to get it. */
    public String remedy() {
        return remedy;
    }

    private static final class Texts {
        static final String FLEET = "fleet tests skipped: no Redis or PostgreSQL found";
        static final String FLEET_FIX =
                "install redis-server and postgresql, or set TOLLGATE_TEST_REDIS_URL / TOLLGATE_TEST_DATABASE_URL";
        static final String FAULT = "fault tests skipped: no redis-server, redis-cli, initdb or pg_ctl found (they"
                + " start servers of their own)";
        static final String FAULT_FIX = "install redis-server and postgresql";
    }
}
