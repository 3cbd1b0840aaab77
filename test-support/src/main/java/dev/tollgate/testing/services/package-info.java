/**
 * How tests get Redis, PostgreSQL and the programs they run: {@link
 * dev.tollgate.testing.services.TestServices} (environment URLs, else the shared servers, else
 * private ones started from the installed programs, else a loud skip), throw-away databases
 * ({@link dev.tollgate.testing.services.TestDatabase}), and servers a test starts and breaks
 * itself ({@link dev.tollgate.testing.services.RedisServer}, {@link
 * dev.tollgate.testing.services.RedisCluster}, {@link dev.tollgate.testing.services.PostgresServer}).
 */
package dev.tollgate.testing.services;
