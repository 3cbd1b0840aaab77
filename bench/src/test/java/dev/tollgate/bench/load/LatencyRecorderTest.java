package dev.tollgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatencyRecorderTest {
    private static final long MS = 1_000_000L;

    @Test
    void scheduleIsComputedFromTheIndexWithoutDrift() {
        ArrivalSchedule s = new ArrivalSchedule(1_000, 3); // 333,333,333.3 ns apart
        assertThat(s.take()).isEqualTo(1_000);
        for (int i = 1; i < 3_000_000; i++) {
            s.take();
        }
        // 3,000,000 arrivals at 3/s end exactly 1,000,000 s later, not off by accumulated rounding.
        assertThat(s.peek()).isEqualTo(1_000 + 1_000_000L * 1_000_000_000L);
    }

    /**
     * A server answers in 1 ms, then stalls for 1 s, at a fixed 1,000 req/s over one connection.
     * Measured from the actual send (closed loop), the stall would be one 1 s sample among ~1,000
     * fast ones; measured from the intended time, every request scheduled during the stall waited.
     */
    @Test
    void aStallIsChargedToEveryRequestItDelayed() {
        LatencyRecorder open = new LatencyRecorder();
        LatencyRecorder naive = new LatencyRecorder();
        ArrivalSchedule schedule = new ArrivalSchedule(0, 1000);
        long free = 0; // when the single connection is next free
        for (int i = 0; i < 2000; i++) {
            long intended = schedule.take();
            long send = Math.max(intended, free);
            long service = i == 500 ? 1000 * MS : MS;
            long done = send + service;
            free = done;
            open.recordOk(intended, 0, done);
            naive.recordOk(send, 0, done);
        }
        // Naive: only the stalled request is slow, so p99 stays at 1 ms.
        assertThat(naive.latency().getValueAtPercentile(99)).isEqualTo(1000);
        // Open loop: the ~1,000 requests due during the stall queued behind it; the median itself is hit.
        assertThat(open.latency().getValueAtPercentile(99)).isGreaterThan(900_000);
        assertThat(open.latency().getValueAtPercentile(50)).isGreaterThan(1000);
        assertThat(open.latency().getTotalCount()).isEqualTo(2000);
    }

    @Test
    void timeoutsAreCountedAndWeighOnTheTail() {
        LatencyRecorder r = new LatencyRecorder();
        for (int i = 0; i < 99; i++) {
            r.recordOk(0, 100_000, 2 * MS);
        }
        r.recordTimeout(0, 5_000 * MS);
        r.recordError();
        assertThat(r.ok()).isEqualTo(99);
        assertThat(r.timeouts()).isEqualTo(1);
        assertThat(r.errors()).isEqualTo(1);
        assertThat(r.latency().getMaxValue()).isBetween(4_990_000L, 5_010_000L);
        assertThat(r.firstByte().getValueAtPercentile(50)).isEqualTo(100);
    }

    @Test
    void recordersMerge() {
        LatencyRecorder a = new LatencyRecorder();
        LatencyRecorder b = new LatencyRecorder();
        a.recordOk(0, 0, MS);
        b.recordOk(0, 0, 3 * MS);
        b.recordError();
        a.add(b);
        assertThat(a.ok()).isEqualTo(2);
        assertThat(a.errors()).isEqualTo(1);
        assertThat(a.latency().getTotalCount()).isEqualTo(2);
    }

    @Test
    void longQueueIsFifoAcrossGrowth() {
        LoadGenerator.LongQueue q = new LoadGenerator.LongQueue();
        for (long i = 0; i < 700; i++) {
            q.add(i);
        }
        for (long i = 0; i < 500; i++) {
            assertThat(q.poll()).isEqualTo(i);
        }
        for (long i = 700; i < 3000; i++) {
            q.add(i);
        }
        for (long i = 500; i < 3000; i++) {
            assertThat(q.poll()).isEqualTo(i);
        }
        assertThat(q.isEmpty()).isTrue();
    }
}
