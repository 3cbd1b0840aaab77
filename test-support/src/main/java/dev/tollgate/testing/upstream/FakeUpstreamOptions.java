package dev.tollgate.testing.upstream;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Behaviour of a {@link FakeUpstream}. Every setter may be called while the server runs, from any
 * thread: fields are volatile and each request takes a {@link #snapshot()} when its response
 * starts, so one response never mixes two settings. {@link #port()} and {@link #ioThreads()} are
 * read only by {@link FakeUpstream#start(FakeUpstreamOptions)}.
 *
 * <p>Defaults: port 0 (a free port), ioThreads 0 (Netty's default), latency 0, chunkCount 5,
 * chunkInterval 0, promptTokens derived from the request, failure {@link FakeFailure#NONE},
 * failAfterChunks 2, maxRecordedRequests 10,000.
 */
public final class FakeUpstreamOptions {
    private volatile int port;
    private volatile int ioThreads;
    private volatile Duration latency = Duration.ZERO;
    private volatile int chunkCount = 5;
    private volatile Duration chunkInterval = Duration.ZERO;
    /** Negative means "derive from the request". */
    private volatile int promptTokens = -1;

    private volatile FakeFailure failure = FakeFailure.NONE;
    /** Completion responses left that apply {@link #failure}; negative means every one. */
    private final AtomicInteger failuresLeft = new AtomicInteger(-1);

    private volatile int failAfterChunks = 2;
    private volatile int maxRecordedRequests = 10_000;

    /** A new set of options with the defaults listed on the class. */
    public static FakeUpstreamOptions defaults() {
        return new FakeUpstreamOptions();
    }

    public int port() {
        return port;
    }

    /** Port to bind on 127.0.0.1; 0 picks a free one. Read at start only. */
    public FakeUpstreamOptions port(int value) {
        if (value < 0 || value > 65_535) {
            throw new IllegalArgumentException("port out of range: " + value);
        }
        this.port = value;
        return this;
    }

    public int ioThreads() {
        return ioThreads;
    }

    /** Event-loop threads; 0 uses Netty's default (twice the cores). Read at start only. */
    public FakeUpstreamOptions ioThreads(int value) {
        this.ioThreads = requireNonNegative(value, "ioThreads");
        return this;
    }

    public Duration latency() {
        return latency;
    }

    /** Delay before the first byte of any completion or embedding response. */
    public FakeUpstreamOptions latency(Duration value) {
        this.latency = requireNonNegative(value, "latency");
        return this;
    }

    public int chunkCount() {
        return chunkCount;
    }

    /** Content chunks per stream; also the completion token count of every response. */
    public FakeUpstreamOptions chunkCount(int value) {
        this.chunkCount = requireNonNegative(value, "chunkCount");
        return this;
    }

    public Duration chunkInterval() {
        return chunkInterval;
    }

    /** Pause before each content chunk of a stream. */
    public FakeUpstreamOptions chunkInterval(Duration value) {
        this.chunkInterval = requireNonNegative(value, "chunkInterval");
        return this;
    }

    /** The fixed prompt token count, or empty when it is derived from the request. */
    public OptionalInt promptTokens() {
        int value = promptTokens;
        return value < 0 ? OptionalInt.empty() : OptionalInt.of(value);
    }

    /** Report exactly this many prompt tokens. */
    public FakeUpstreamOptions promptTokens(int value) {
        this.promptTokens = requireNonNegative(value, "promptTokens");
        return this;
    }

    /** Go back to deriving prompt tokens: total characters of the prompt / 4, rounded up, at least 1. */
    public FakeUpstreamOptions derivePromptTokens() {
        this.promptTokens = -1;
        return this;
    }

    public FakeFailure failure() {
        return failure;
    }

    /** Applies {@code value} to every completion response from now on. */
    public FakeUpstreamOptions failure(FakeFailure value) {
        this.failure = Objects.requireNonNull(value, "failure");
        failuresLeft.set(-1);
        return this;
    }

    /**
     * Applies {@code value} to the next {@code times} completion or embedding responses only; later
     * ones answer normally (a flaky upstream that recovers).
     */
    public FakeUpstreamOptions failTimes(FakeFailure value, int times) {
        requireNonNegative(times, "times");
        this.failure = Objects.requireNonNull(value, "failure");
        failuresLeft.set(times);
        return this;
    }

    /** The failure the next completion response applies, counting it down when limited by {@link #failTimes}. */
    FakeFailure takeFailure() {
        FakeFailure f = failure;
        if (f == FakeFailure.NONE) {
            return f;
        }
        while (true) {
            int left = failuresLeft.get();
            if (left < 0) {
                return f;
            }
            if (left == 0) {
                return FakeFailure.NONE;
            }
            if (failuresLeft.compareAndSet(left, left - 1)) {
                return f;
            }
        }
    }

    public int failAfterChunks() {
        return failAfterChunks;
    }

    /** Content chunks sent before {@link FakeFailure#RESET_MID_STREAM} resets the connection. */
    public FakeUpstreamOptions failAfterChunks(int value) {
        this.failAfterChunks = requireNonNegative(value, "failAfterChunks");
        return this;
    }

    public int maxRecordedRequests() {
        return maxRecordedRequests;
    }

    /**
     * How many recent requests {@link FakeUpstream#requests()} keeps; older ones are dropped so a
     * long benchmark does not hold every body. {@link FakeUpstream#requestCount()} stays exact.
     */
    public FakeUpstreamOptions maxRecordedRequests(int value) {
        this.maxRecordedRequests = requireNonNegative(value, "maxRecordedRequests");
        return this;
    }

    /** A consistent copy of the per-response settings. */
    Snapshot snapshot() {
        return new Snapshot(latency, chunkCount, chunkInterval, promptTokens, takeFailure(), failAfterChunks);
    }

    /** Immutable per-response view of the options; promptTokens is negative when derived. */
    record Snapshot(
            Duration latency,
            int chunkCount,
            Duration chunkInterval,
            int promptTokens,
            FakeFailure failure,
            int failAfterChunks) {}

    private static int requireNonNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0: " + value);
        }
        return value;
    }

    private static Duration requireNonNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0: " + value);
        }
        return value;
    }
}
