/**
 * The side-by-side benchmark: starts the fake upstreams, nginx, Redis and the Tollgate targets as
 * child processes, runs every point against each, and stops them all.
 */
package dev.tollgate.bench.scenario;
