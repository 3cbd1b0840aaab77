package dev.tollgate.bench.scenario;

import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The benchmark's upstream process: three {@link FakeUpstream}s in one JVM, all answering 20
 * content chunks (streaming) or the same 20-token completion (JSON):
 * {@code fast} (0 ms latency), {@code slow} (20 ms before the first byte) and {@code drip}
 * (0 ms, but 250 ms between stream chunks: long-lived streams for the concurrency soak).
 * Prints {@code PORTS fast slow drip} once listening; stops on SIGTERM.
 */
public final class UpstreamsMain {
    private UpstreamsMain() {}

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        FakeUpstream fast = start(threads, Duration.ZERO, Duration.ZERO);
        FakeUpstream slow = start(threads, Duration.ofMillis(20), Duration.ZERO);
        FakeUpstream drip = start(threads, Duration.ZERO, Duration.ofMillis(250));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            fast.close();
                            slow.close();
                            drip.close();
                            stopped.countDown();
                        },
                        "upstreams-shutdown"));
        System.out.println("PORTS " + fast.port() + " " + slow.port() + " " + drip.port());
        System.out.flush();
        stopped.await();
    }

    private static FakeUpstream start(int threads, Duration latency, Duration chunkInterval) {
        return FakeUpstream.start(FakeUpstreamOptions.defaults()
                .ioThreads(threads)
                .latency(latency)
                .chunkCount(20)
                .chunkInterval(chunkInterval)
                .maxRecordedRequests(16));
    }
}
