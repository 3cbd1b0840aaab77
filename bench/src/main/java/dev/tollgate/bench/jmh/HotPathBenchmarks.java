package dev.tollgate.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.customer.CustomerIdResolver;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.money.ModelPrice;
import dev.tollgate.core.money.Money;
import dev.tollgate.core.sse.SseRunSplitter;
import dev.tollgate.core.usage.UsageParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-call hot pieces of Tollgate, each alone: SSE event splitting of a 20-chunk stream,
 * usage extraction from a stream chunk and from a JSON response, customer-id resolution, cost math,
 * ({@link LimitStoreBenchmark}: the in-process limit store). Run with {@code bench/jmh.sh} (JMH's own runner).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HotPathBenchmarks {
    private static final String CHUNK =
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"gpt-3.5-turbo\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" toll\"},\"finish_reason\":null}]}";
    private static final String USAGE_CHUNK =
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"gpt-3.5-turbo\",\"choices\":[],\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":20,\"total_tokens\":45}}";
    private static final String RESPONSE =
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
                    + "\"model\":\"gpt-3.5-turbo\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                    + "\"Toll gates collect a fee from every passing vehicle, one at a time.\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":25,\"completion_tokens\":20,\"total_tokens\":45}}";
    private static final String REQUEST = "{\"model\":\"gpt-3.5-turbo\",\"user\":\"cust-42\",\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Write one short sentence about toll gates.\"}]}";

    private byte[] stream;
    private byte[] chunk;
    private byte[] usageChunk;
    private byte[] response;
    private JsonNode requestBody;
    private CustomerIdResolver resolver;
    private Map<String, String> noHeaders;
    private ModelPrice price;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append("data: ").append(CHUNK).append("\n\n");
        }
        sb.append("data: ").append(USAGE_CHUNK).append("\n\ndata: [DONE]\n\n");
        stream = sb.toString().getBytes(StandardCharsets.UTF_8);
        chunk = CHUNK.getBytes(StandardCharsets.UTF_8);
        usageChunk = USAGE_CHUNK.getBytes(StandardCharsets.UTF_8);
        response = RESPONSE.getBytes(StandardCharsets.UTF_8);
        requestBody = Json.MAPPER.readTree(REQUEST);
        resolver = new CustomerIdResolver(List.of());
        noHeaders = Map.of();
        price = new ModelPrice(
                Money.usdPerTokenToPicos(new BigDecimal("0.0000005")),
                Money.usdPerTokenToPicos(new BigDecimal("0.0000015")),
                0,
                false,
                4096);
    }

    /** A whole 20-chunk stream (one network read) cut at its last event boundary, as the SSE relay does. */
    @Benchmark
    public void sseSplitStream(Blackhole bh) {
        try (SseRunSplitter splitter = new SseRunSplitter(ByteBufAllocator.DEFAULT)) {
            ByteBuf run = splitter.feed(Unpooled.wrappedBuffer(stream));
            bh.consume(run.readableBytes());
            run.release();
        }
    }

    /** The same stream taken apart event by event (the relay does this only for the read holding usage). */
    @Benchmark
    public void sseEventsOfStream(Blackhole bh) {
        SseRunSplitter.forEachEvent(Unpooled.wrappedBuffer(stream), e -> bh.consume(e.readableBytes()));
    }

    /** One content chunk: parse and view (the relay does this for every event). */
    @Benchmark
    public Object usageFromContentChunk() throws IOException {
        return UsageParser.viewChunk(Json.parse(chunk, 0, chunk.length));
    }

    /** The final usage-only chunk of a stream. */
    @Benchmark
    public Object usageFromUsageChunk() throws IOException {
        return UsageParser.viewChunk(Json.parse(usageChunk, 0, usageChunk.length));
    }

    /** A JSON (non-streaming) response: usage read with the streaming parser, as the relay does. */
    @Benchmark
    public Object usageFromJsonResponse() throws IOException {
        return UsageParser.fromResponseBody(new ByteArrayInputStream(response));
    }

    /** The same, through a whole tree (what the relay did before; kept as the baseline). */
    @Benchmark
    public Object usageFromJsonResponseTree() throws IOException {
        return UsageParser.fromUsageNode(
                Json.parse(response, 0, response.length).get("usage"));
    }

    /** Customer id from the body's {@code user} (no header set), as on every call. */
    @Benchmark
    public String customerIdResolution() {
        return resolver.resolve(noHeaders::get, requestBody);
    }

    /** Reservation and final cost of one call, and its USD text for the response header. */
    @Benchmark
    public String costMath() {
        long reserve = price.cost(REQUEST.length() / 3 + 1, 64, 0);
        long cost = price.cost(25, 20, 0);
        return Money.format(cost + (reserve & 1));
    }
}
