/**
 * Load generation: an open-loop Netty generator with HdrHistogram latency (from each request's
 * intended send time), request templates, and the wrk runner for max-throughput points.
 */
package dev.tollgate.bench.load;
