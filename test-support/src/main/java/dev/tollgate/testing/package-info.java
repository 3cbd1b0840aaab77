/**
 * Fixtures every module's tests share: the Netty leak guard installed by a JUnit session
 * listener, and a webhook receiver. The fake upstream is in {@code upstream}, the test services
 * (Redis, PostgreSQL, throw-away databases, servers of a test's own) in {@code services}.
 */
package dev.tollgate.testing;
