package dev.tollgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrk script sends the generator's bodies and headers; its stats file becomes a LoadResult's histogram. */
class WrkRunnerTest {
    @TempDir
    Path dir;

    private static LoadSpec spec() {
        return new LoadSpec(
                "127.0.0.1",
                4000,
                "/v1/chat/completions",
                Map.of("Authorization", "Bearer sk-\"x\""),
                "fast",
                true,
                7,
                64,
                0,
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5));
    }

    @Test
    void scriptBuildsTheGeneratorsBodyForEachCustomer() {
        String lua = WrkRunner.script(spec(), dir.resolve("s.out"));
        String body = RequestTemplates.body("fast", "\u0000", true);
        int cut = body.indexOf('\u0000');
        assertThat(lua)
                .contains("local head = \"" + body.substring(0, cut).replace("\"", "\\\"") + "\"")
                .contains("local tail = \"" + body.substring(cut + 1).replace("\"", "\\\"") + "\"")
                .contains("local customers = 7")
                .contains("wrk.headers[\"Authorization\"] = \"Bearer sk-\\\"x\\\"\"")
                .contains("wrk.headers[\"Accept\"] = \"text/event-stream\"");
    }

    @Test
    void statsFileFillsTheRecorder() throws Exception {
        Path stats = dir.resolve("s.out");
        Files.writeString(stats, "requests 1000\nerrors 3\nlat 100 500\nlat 200 400\nlat 5000 97\n");
        LatencyRecorder rec = new LatencyRecorder();
        long requests = WrkRunner.parseInto(rec, stats);
        assertThat(requests).isEqualTo(1000);
        assertThat(rec.errors()).isEqualTo(3);
        assertThat(rec.ok()).isEqualTo(997);
        assertThat(rec.latency().getTotalCount()).isEqualTo(997);
        assertThat(rec.latency().getValueAtPercentile(50)).isEqualTo(100);
        assertThat(rec.latency().getValueAtPercentile(99.9)).isBetween(4990L, 5010L);
    }

    @Test
    void largePromptBodiesAreBuiltOncePerCustomer() throws Exception {
        LoadSpec base = spec();
        LoadSpec large = new LoadSpec(
                base.host(),
                base.port(),
                base.path(),
                base.headers(),
                base.model(),
                false,
                3,
                16,
                0,
                base.warmup(),
                base.duration(),
                base.drainTimeout(),
                400_000);
        String body = RequestTemplates.body("fast", "cust-1", false, 400_000);
        assertThat(body.getBytes(StandardCharsets.UTF_8).length).isBetween(390_000, 400_000);
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        assertThat(tree.get("max_tokens").asInt()).isEqualTo(16);
        assertThat(tree.get("user").asText()).isEqualTo("cust-1");
        assertThat(tree.fieldNames().next()).isEqualTo("messages");
        String lua = WrkRunner.script(large, dir.resolve("s.out"));
        assertThat(lua)
                .contains("init = function(args)")
                .contains("reqs[i] = wrk.format(nil, \"/v1/chat/completions\", nil, head .. \"cust-\" .. i .. tail)")
                .contains("return reqs[n % customers]");
        assertThat(new RequestTemplates(large).request(4)).hasSizeGreaterThan(390_000);
    }

    @Test
    void halfStreamingBuildsBothBodiesPerCustomerAndAlternatesThem() {
        LoadSpec base = spec();
        LoadSpec mix = new LoadSpec(
                base.host(),
                base.port(),
                base.path(),
                base.headers(),
                base.model(),
                false,
                3,
                16,
                0,
                base.warmup(),
                base.duration(),
                base.drainTimeout(),
                1_000,
                true);
        String lua = WrkRunner.script(mix, dir.resolve("s.out"));
        String json = RequestTemplates.body("fast", "\u0000", false, 1_000);
        String stream = RequestTemplates.body("fast", "\u0000", true, 1_000);
        assertThat(lua)
                .contains("local tail = \""
                        + json.substring(json.indexOf('\u0000') + 1).replace("\"", "\\\"") + "\"")
                .contains("local streamTail = \""
                        + stream.substring(stream.indexOf('\u0000') + 1).replace("\"", "\\\"") + "\"")
                .contains(
                        "reqs[2 * i] = wrk.format(nil, \"/v1/chat/completions\", headersAccepting(\"application/json\"),")
                .contains("reqs[2 * i + 1] = wrk.format(nil, \"/v1/chat/completions\","
                        + " headersAccepting(\"text/event-stream\"), streamHead")
                .contains("return reqs[n % (2 * customers)]");
        assertThat(stream).contains("\"stream\":true");
        assertThat(json).doesNotContain("\"stream\"");
    }

    @Test
    void halfStreamingIsNotAlsoAllStreaming() {
        LoadSpec base = spec();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LoadSpec(
                        base.host(),
                        base.port(),
                        base.path(),
                        base.headers(),
                        base.model(),
                        true,
                        3,
                        16,
                        0,
                        base.warmup(),
                        base.duration(),
                        base.drainTimeout(),
                        0,
                        true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
