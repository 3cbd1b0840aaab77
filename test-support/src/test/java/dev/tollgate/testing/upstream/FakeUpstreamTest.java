package dev.tollgate.testing.upstream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testing.LeakGuard;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives a real {@link FakeUpstream} with {@link HttpClient} and raw sockets. */
class FakeUpstreamTest {
    static {
        LeakGuard.install();
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** 14 characters of prompt: ceil(14 / 4) = 4 prompt tokens. */
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, world!!\"}]";

    private FakeUpstreamOptions options;
    private FakeUpstream upstream;

    @BeforeEach
    void start() {
        options = FakeUpstreamOptions.defaults().ioThreads(2);
        upstream = FakeUpstream.start(options);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    @AfterAll
    static void noLeaks() throws InterruptedException {
        LeakGuard.assertNoLeaks();
    }

    @Test
    void nonStreamingCompletionHasOpenAiFieldsInOrderAndUsage() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\":\"gpt-4o\"," + MESSAGES + "}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = FakeJson.MAPPER.readTree(response.body());
        assertThat(fieldNames(body))
                .containsExactly("id", "object", "created", "model", "choices", "usage", "system_fingerprint");
        assertThat(body.get("id").asText()).startsWith("chatcmpl-fake-");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isCloseTo(System.currentTimeMillis() / 1000, Offset.offset(5L));
        assertThat(body.get("model").asText()).isEqualTo("gpt-4o");
        assertThat(body.get("system_fingerprint").asText()).isEqualTo("fp_fake");
        JsonNode choice = body.get("choices").get(0);
        assertThat(body.get("choices")).hasSize(1);
        assertThat(fieldNames(choice)).containsExactly("index", "message", "logprobs", "finish_reason");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.get("logprobs").isNull()).isTrue();
        JsonNode message = choice.get("message");
        assertThat(fieldNames(message)).containsExactly("role", "content", "refusal");
        assertThat(message.get("content").asText()).isEqualTo("tok0 tok1 tok2 tok3 tok4");
        assertThat(message.get("refusal").isNull()).isTrue();
        assertThat(fieldNames(body.get("usage"))).containsExactly("prompt_tokens", "completion_tokens", "total_tokens");
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(4);
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
        assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(9);
    }

    @Test
    void promptTokenOverrideAndRouteWithoutV1() throws Exception {
        options.promptTokens(42).chunkCount(1);
        JsonNode body = FakeJson.MAPPER.readTree(
                post("/chat/completions", "{\"model\":\"m\"," + MESSAGES + "}").body());
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(42);
        assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(43);

        options.derivePromptTokens();
        body = FakeJson.MAPPER.readTree(
                post("/chat/completions", "{\"model\":\"m\",\"messages\":[]}").body());
        assertThat(body.get("usage").get("prompt_tokens").asInt())
                .as("at least one")
                .isEqualTo(1);
    }

    @Test
    void streamIsFramedExactlyLikeOpenAiWithUsageChunk() throws Exception {
        options.chunkCount(2);
        HttpResponse<String> response = post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\"," + MESSAGES + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(response.headers().firstValue("cache-control")).hasValue("no-cache");
        JsonNode first =
                FakeJson.MAPPER.readTree(SseEvents.parse(response.body()).get(0));
        String head = "data: {\"id\":\"" + first.get("id").asText() + "\",\"object\":\"chat.completion.chunk\","
                + "\"created\":" + first.get("created").asLong() + ",\"model\":\"gpt-4o\"";
        String choice = head + ",\"system_fingerprint\":\"fp_fake\",\"choices\":[{\"index\":0,\"delta\":";
        String tail = ",\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n";
        String expected = choice + "{\"role\":\"assistant\",\"content\":\"\"}" + tail
                + choice + "{\"content\":\"tok0\"}" + tail
                + choice + "{\"content\":\" tok1\"}" + tail
                + choice + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                + head
                + ",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":2,\"total_tokens\":6}}\n\n"
                + "data: [DONE]\n\n";
        assertThat(response.body()).isEqualTo(expected);
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageAnywhereAndSameTextAsJson() throws Exception {
        String nonStream = FakeJson.MAPPER
                .readTree(post("/v1/chat/completions", "{\"model\":\"m\"," + MESSAGES + "}")
                        .body())
                .at("/choices/0/message/content")
                .asText();

        List<String> events =
                SseEvents.parse(post("/v1/chat/completions", "{\"model\":\"m\"," + MESSAGES + ",\"stream\":true}")
                        .body());

        assertThat(events).hasSize(1 + 5 + 1 + 1).last().isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : events.subList(0, events.size() - 1)) {
            chunks.add(FakeJson.MAPPER.readTree(event));
        }
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.has("usage")).isFalse();
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("choices")).hasSize(1);
        });
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (JsonNode chunk : chunks.subList(1, 6)) {
            assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();
            text.append(chunk.at("/choices/0/delta/content").asText());
        }
        assertThat(text.toString()).isEqualTo(nonStream);
        JsonNode finish = chunks.get(6);
        assertThat(finish.at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void maxTokensCutsTheCompletionWithFinishReasonLength() throws Exception {
        JsonNode body = FakeJson.MAPPER.readTree(
                post("/v1/chat/completions", "{\"model\":\"m\"," + MESSAGES + ",\"max_tokens\":2}")
                        .body());
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("tok0 tok1");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(2);

        List<String> events = SseEvents.parse(post(
                        "/v1/chat/completions",
                        "{\"model\":\"m\"," + MESSAGES
                                + ",\"max_tokens\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
                .body());
        assertThat(events).hasSize(1 + 3 + 1 + 1 + 1);
        assertThat(FakeJson.MAPPER
                        .readTree(events.get(4))
                        .at("/choices/0/finish_reason")
                        .asText())
                .isEqualTo("length");
        assertThat(FakeJson.MAPPER
                        .readTree(events.get(5))
                        .at("/usage/completion_tokens")
                        .asInt())
                .isEqualTo(3);

        body = FakeJson.MAPPER.readTree(
                post("/v1/chat/completions", "{\"model\":\"m\"," + MESSAGES + ",\"max_tokens\":50}")
                        .body());
        assertThat(body.at("/choices/0/finish_reason").asText())
                .as("larger than chunkCount")
                .isEqualTo("stop");
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void http500IsAnOpenAiErrorEvenForStreams() throws Exception {
        options.failure(FakeFailure.HTTP_500);
        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}");
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode error = FakeJson.MAPPER.readTree(response.body()).get("error");
        assertThat(fieldNames(error)).containsExactly("message", "type", "param", "code");
        assertThat(error.get("type").asText()).isEqualTo("server_error");
    }

    @Test
    void http429CarriesRetryAfter() throws Exception {
        options.failure(FakeFailure.HTTP_429);
        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\":\"m\"}");
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).hasValue("1");
        assertThat(FakeJson.MAPPER.readTree(response.body()).at("/error/code").asText())
                .isEqualTo("rate_limit_exceeded");

        options.failure(FakeFailure.NONE);
        assertThat(post("/v1/chat/completions", "{\"model\":\"m\"}").statusCode())
                .as("switched back")
                .isEqualTo(200);
    }

    @Test
    void resetMidStreamIsAnIOExceptionAfterKChunks() throws Exception {
        options.failure(FakeFailure.RESET_MID_STREAM)
                .failAfterChunks(3)
                .chunkCount(10)
                .chunkInterval(Duration.ofMillis(20));
        HttpResponse<InputStream> response = CLIENT.send(
                request("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true}")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);

        List<String> events = new ArrayList<>();
        assertThatThrownBy(() -> {
                    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), UTF_8))) {
                        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                            if (line.startsWith("data: ")) {
                                events.add(line);
                            }
                        }
                    }
                })
                .isInstanceOf(IOException.class);
        assertThat(events).as("role chunk + 3 content chunks").hasSize(4);
        assertThat(events.get(3)).contains("\"content\":\" tok2\"");
    }

    @Test
    void nonStreamingResetIsAnIOException() {
        options.failure(FakeFailure.RESET_MID_STREAM);
        assertThatThrownBy(() -> post("/v1/chat/completions", "{\"model\":\"m\"}"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void stallTimesOutOnTheClient() throws Exception {
        options.failure(FakeFailure.STALL);
        HttpRequest request = request("/v1/chat/completions", "{\"model\":\"m\"}")
                .timeout(Duration.ofMillis(300))
                .build();
        assertThatThrownBy(() -> CLIENT.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(upstream.requestCount()).isEqualTo(1);
    }

    @Test
    void closeBeforeResponseIsAnIOException() {
        options.failure(FakeFailure.CLOSE_BEFORE_RESPONSE);
        assertThatThrownBy(() -> post("/v1/chat/completions", "{\"model\":\"m\"}"))
                .isInstanceOf(IOException.class);
        assertThat(upstream.connectionsClosedByPeerDuringStream()).isZero();
    }

    @Test
    void streamWithoutUsageNeverSendsTheUsageChunk() throws Exception {
        options.failure(FakeFailure.STREAM_WITHOUT_USAGE).chunkCount(2);
        List<String> events = SseEvents.parse(post(
                        "/v1/chat/completions",
                        "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
                .body());
        assertThat(events).hasSize(1 + 2 + 1 + 1).last().isEqualTo("[DONE]");
        assertThat(events.subList(0, 4)).allSatisfy(e -> assertThat(e).contains("\"usage\":null"));
    }

    @Test
    void azureRouteRecordsDeploymentApiVersionAndHeaders() throws Exception {
        HttpResponse<String> response = CLIENT.send(
                request("/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21", "{" + MESSAGES + "}")
                        .header("api-key", "azure-secret")
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(FakeJson.MAPPER.readTree(response.body()).get("model").asText())
                .isEqualTo("my-gpt4o");
        RecordedRequest recorded = upstream.lastRequest();
        assertThat(recorded.method()).isEqualTo("POST");
        assertThat(recorded.path()).isEqualTo("/openai/deployments/my-gpt4o/chat/completions");
        assertThat(recorded.uri()).endsWith("?api-version=2024-10-21");
        assertThat(recorded.azureDeployment()).isEqualTo("my-gpt4o");
        assertThat(recorded.apiVersion()).isEqualTo("2024-10-21");
        assertThat(recorded.header("API-Key")).isEqualTo("azure-secret");
        assertThat(recorded.body()).isEqualTo("{" + MESSAGES + "}");
        assertThat(recorded.receivedAt()).isNotNull();
    }

    @Test
    void embeddingsModelsAndUnknownRoutes() throws Exception {
        options.promptTokens(7);
        JsonNode embeddings = FakeJson.MAPPER.readTree(
                post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}")
                        .body());
        assertThat(fieldNames(embeddings)).containsExactly("object", "data", "model", "usage");
        assertThat(embeddings.at("/data/0/object").asText()).isEqualTo("embedding");
        assertThat(embeddings.at("/data/0/embedding")).hasSize(8);
        assertThat(embeddings.at("/usage/prompt_tokens").asInt()).isEqualTo(7);
        assertThat(embeddings.at("/usage/total_tokens").asInt()).isEqualTo(7);
        assertThat(post("/embeddings", "{\"model\":\"e\",\"input\":[\"a\",\"b\"]}")
                        .statusCode())
                .isEqualTo(200);

        HttpResponse<String> models =
                CLIENT.send(HttpRequest.newBuilder(uri("/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(FakeJson.MAPPER.readTree(models.body()).at("/data/0/object").asText())
                .isEqualTo("model");

        HttpResponse<String> missing = post("/v1/completions", "{}");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(FakeJson.MAPPER.readTree(missing.body()).at("/error/type").asText())
                .isEqualTo("invalid_request_error");
        assertThat(post("/v1/chat/completions", "not json").statusCode()).isEqualTo(400);
        assertThat(upstream.requestCount()).isEqualTo(5);
        assertThat(upstream.requests())
                .extracting(RecordedRequest::path)
                .containsExactly(
                        "/v1/embeddings", "/embeddings", "/v1/models", "/v1/completions", "/v1/chat/completions");
    }

    @Test
    void clientDisconnectMidStreamIsCounted() throws Exception {
        options.chunkCount(50).chunkInterval(Duration.ofMillis(20));
        String body = "{\"model\":\"m\",\"stream\":true}";
        try (Socket socket = new Socket("127.0.0.1", upstream.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(UTF_8));
            out.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8));
            int contentChunks = 0;
            while (contentChunks < 2) {
                String line = reader.readLine();
                assertThat(line).isNotNull();
                if (line.contains("\"content\":\"tok") || line.contains("\"content\":\" tok")) {
                    contentChunks++;
                }
            }
            assertThat(upstream.activeConnections()).isEqualTo(1);
        }
        awaitUntil(() -> upstream.connectionsClosedByPeerDuringStream() == 1);
        awaitUntil(() -> upstream.activeConnections() == 0);

        upstream.reset();
        assertThat(upstream.connectionsClosedByPeerDuringStream()).isZero();
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":" + (i % 2 == 0) + "}")
                            .statusCode())
                    .isEqualTo(200);
        }
        assertThat(upstream.activeConnections()).isEqualTo(1);
    }

    @Test
    void hundredConcurrentRequestsAllSucceed() throws Exception {
        options.latency(Duration.ofMillis(20)).chunkInterval(Duration.ofMillis(1));
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boolean stream = i % 2 == 0;
            futures.add(CLIENT.sendAsync(
                    request("/v1/chat/completions", "{\"model\":\"m\",\"stream\":" + stream + "}")
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < futures.size(); i++) {
            HttpResponse<String> response = futures.get(i).get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            if (i % 2 == 0) {
                assertThat(SseEvents.parse(response.body())).hasSize(8).last().isEqualTo("[DONE]");
            } else {
                assertThat(FakeJson.MAPPER
                                .readTree(response.body())
                                .at("/usage/completion_tokens")
                                .asInt())
                        .isEqualTo(5);
            }
        }
        assertThat(upstream.awaitRequests(100, Duration.ofSeconds(1))).isTrue();
        assertThat(upstream.requestCount()).isEqualTo(100);
        assertThat(futures.stream().map(f -> f.join().body()).distinct())
                .as("unique ids")
                .hasSize(100);
    }

    @Test
    void awaitRequestsTimesOutWhenNothingArrives() throws Exception {
        assertThat(upstream.awaitRequests(1, Duration.ofMillis(50))).isFalse();
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return CLIENT.send(request(path, json).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String json) {
        return HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + upstream.port() + path);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 5 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
