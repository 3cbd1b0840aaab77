/**
 * What a Tollgate JVM's garbage collector did during a measured window: heap bytes allocated and
 * stop-the-world pauses, read from the JVM's own {@code -Xlog:gc} file.
 */
package dev.tollgate.bench.gc;
