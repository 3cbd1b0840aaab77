/**
 * JMH microbenchmarks of the hot pieces (SSE splitting, usage extraction, customer ids, cost
 * math, the in-process limit store); run with {@code bench/jmh.sh}, never by the test build.
 */
package dev.tollgate.bench.jmh;
