package dev.tollgate.testing.upstream;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link FakeUpstream} standalone until the JVM is stopped:
 * {@code --port N --latency-ms N --chunks N --chunk-interval-ms N [--failure MODE]}.
 */
public final class FakeUpstreamMain {
    private FakeUpstreamMain() {}

    public static void main(String[] args) throws InterruptedException {
        FakeUpstreamOptions options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: FakeUpstreamMain [--port N] [--latency-ms N] [--chunks N]"
                    + " [--chunk-interval-ms N] [--failure NONE|HTTP_500|...]");
            System.exit(2);
            return;
        }
        // A benchmark sends millions of requests; keep only a few for debugging.
        options.maxRecordedRequests(100);
        FakeUpstream upstream = FakeUpstream.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            upstream.close();
                            stopped.countDown();
                        },
                        "fake-upstream-shutdown"));
        System.out.println("fake upstream listening on " + upstream.port());
        stopped.await();
    }

    /** Parses the command line into options; throws {@link IllegalArgumentException} on bad input. */
    static FakeUpstreamOptions parse(String[] args) {
        FakeUpstreamOptions options = FakeUpstreamOptions.defaults();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--port" -> options.port(number(flag, value));
                case "--latency-ms" -> options.latency(Duration.ofMillis(number(flag, value)));
                case "--chunks" -> options.chunkCount(number(flag, value));
                case "--chunk-interval-ms" -> options.chunkInterval(Duration.ofMillis(number(flag, value)));
                case "--failure" -> options.failure(FakeFailure.valueOf(value));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return options;
    }

    private static int number(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got " + value, e);
        }
    }
}
