package dev.tollgate.bench.scenario;

import dev.tollgate.bench.load.LoadResult;

/**
 * The concurrency soak of one Tollgate: {@code streams} long streams at once in a 512 MB heap.
 *
 * @param heapBeforeGc heap in use after a full GC before the soak
 * @param heapAfterGc  heap in use after a full GC after the soak (a leak shows as growth)
 * @param maxHeap      most heap seen in use during the soak
 * @param leakReports  Netty "LEAK:" lines in the Tollgate log
 */
public record Soak(
        String target,
        int streams,
        LoadResult result,
        long heapBeforeGc,
        long heapAfterGc,
        long maxHeap,
        long maxRss,
        long leakReports) {}
