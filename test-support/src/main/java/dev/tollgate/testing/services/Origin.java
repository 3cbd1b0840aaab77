package dev.tollgate.testing.services;

/** Where a test service came from. */
public enum Origin {
    /** {@code TOLLGATE_TEST_REDIS_URL} / {@code TOLLGATE_TEST_DATABASE_URL}. */
    ENVIRONMENT,
    /** The shared server on its default port (Redis 6379, PostgreSQL 5432). */
    SHARED,
    /** A server this JVM started from the installed programs, stopped when it exits. */
    PRIVATE
}
