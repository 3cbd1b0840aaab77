package dev.tollgate.server.proxy;

import static dev.tollgate.server.proxy.E2e.spend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import dev.tollgate.server.ShiftedClock;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official Java SDK ({@code com.openai:openai-java}) as a real client: {@code user} and
 * {@code safety_identifier} attribute the call, a stream with usage is priced from that usage, a
 * budget refusal is not retried ({@code x-should-retry: false}, even as a 429), and an RPM refusal
 * is retried after {@code retry-after-ms} and then lands in the next window.
 */
class OpenAiJavaSdkTest {
    static {
        LeakGuard.install();
    }

    private static final int PROMPT = 9;
    private static final int COMPLETION = 6;

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(
                FakeUpstreamOptions.defaults().ioThreads(1).promptTokens(PROMPT).chunkCount(COMPLETION));
        proxy = TestProxy.start(config("budget_exceeded_status: 429"));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    private static String config(String general) {
        return """
                model_list:
                  - {model_name: gpt-4o-mini, litellm_params: {model: openai/gpt-4o-mini, api_base: "%s", api_key: k}, model_info: %s}
                general_settings: {master_key: %s, %s}
                """.formatted(upstream.baseUrl(), E2e.PRICES, TestProxy.KEY, general);
    }

    private static OpenAIClient client(TestProxy p, int maxRetries) {
        return OpenAIOkHttpClient.builder()
                .apiKey(TestProxy.KEY)
                .baseUrl(p.base() + "/v1")
                .maxRetries(maxRetries)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("what time is it");
    }

    private static BigDecimal cost(CompletionUsage u) {
        return E2e.cost(u.promptTokens(), u.completionTokens());
    }

    @Test
    void userAndSafetyIdentifierEachAttributeTheCall() throws Exception {
        OpenAIClient client = client(proxy, 0);
        try {
            ChatCompletion byUser =
                    client.chat().completions().create(chat().user("java-user").build());
            ChatCompletion bySafety = client.chat()
                    .completions()
                    .create(chat().safetyIdentifier("java-safety").build());
            assertThat(spend(proxy, "java-user"))
                    .isEqualByComparingTo(cost(byUser.usage().orElseThrow()))
                    .isPositive();
            assertThat(spend(proxy, "java-safety"))
                    .isEqualByComparingTo(cost(bySafety.usage().orElseThrow()))
                    .isPositive();
        } finally {
            client.close();
        }
    }

    @Test
    void aStreamWithUsageIsParsedAndPricedFromThatUsage() throws Exception {
        OpenAIClient client = client(proxy, 0);
        try {
            ChatCompletionCreateParams params = chat().user("java-stream")
                    .streamOptions(ChatCompletionStreamOptions.builder()
                            .includeUsage(true)
                            .build())
                    .build();
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream =
                    client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(c -> {
                    chunks.add(c);
                    c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                });
            }
            assertThat(text).isNotEmpty();
            CompletionUsage usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
            assertThat(usage.promptTokens()).isEqualTo(PROMPT);
            assertThat(usage.completionTokens()).isEqualTo(COMPLETION);
            assertThat(spend(proxy, "java-stream")).isEqualByComparingTo(cost(usage));
        } finally {
            client.close();
        }
    }

    /** A 429 budget refusal carries x-should-retry: false; the SDK, allowed 3 retries, sends one call. */
    @Test
    void aBudgetRefusalIsNotRetriedEvenAsA429() throws Exception {
        assertThat(proxy.post("/customer/new", "{\"user_id\":\"java-broke\",\"max_budget\":0}")
                        .statusCode())
                .isEqualTo(200);
        double before = refusals(proxy, "budget");
        OpenAIClient client = client(proxy, 3);
        try {
            assertThatThrownBy(() -> client.chat()
                            .completions()
                            .create(chat().user("java-broke").build()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(429);
                        assertThat(e.getMessage()).contains("ExceededBudget: End User=java-broke over budget");
                    });
        } finally {
            client.close();
        }
        assertThat(refusals(proxy, "budget") - before).isEqualTo(1);
    }

    /** With LiteLLM's default status the SDK sees a 400 (never retried) with the same text. */
    @Test
    void aBudgetRefusalIsABadRequestByDefault() throws Exception {
        try (TestProxy p = TestProxy.start(config("budget_exceeded_status: 400"))) {
            p.post("/customer/new", "{\"user_id\":\"java-broke-400\",\"max_budget\":0}");
            OpenAIClient client = client(p, 3);
            try {
                assertThatThrownBy(() -> client.chat()
                                .completions()
                                .create(chat().user("java-broke-400").build()))
                        .isInstanceOfSatisfying(
                                BadRequestException.class,
                                e -> assertThat(e.getMessage()).contains("ExceededBudget"));
            } finally {
                client.close();
            }
            assertThat(refusals(p, "budget")).isEqualTo(1);
        }
    }

    /**
     * RPM 1: the second call in a minute is refused with {@code retry-after-ms} pointing just past
     * the window's end. Without retries the SDK throws a 429 with that header; with retries it
     * waits and its retry lands in the next window. The proxy's clock is set 55 s into a minute
     * once the proxy runs, so both first calls fall in one window, and the wait is short.
     */
    @Test
    void anRpmRefusalIsRetriedAfterRetryAfterMsAndThenSucceeds() throws Exception {
        ShiftedClock clock = ShiftedClock.atNextMinute();
        try (TestProxy p = TestProxy.start(
                config("budget_exceeded_status: 400"), Files.createTempDirectory("tg-java-"), Map.of(), clock)) {
            p.post("/budget/new", "{\"budget_id\":\"java-rpm-1\",\"rpm_limit\":1}");
            p.post("/customer/new", "{\"user_id\":\"java-rpm\",\"budget_id\":\"java-rpm-1\"}");
            OpenAIClient noRetry = client(p, 0);
            OpenAIClient retrying = client(p, 2);
            try {
                // Warm both clients up (a first SDK call loads a lot), then place the clock.
                noRetry.chat().completions().create(chat().user("java-warm").build());
                retrying.chat().completions().create(chat().user("java-warm").build());
                // 55 s into a minute ahead of anything stored: both first calls fall in one window.
                long ahead = clock.millis() + 120_000L;
                clock.set(Instant.ofEpochMilli(ahead - Math.floorMod(ahead, 60_000L) + 55_000L));
                noRetry.chat().completions().create(chat().user("java-rpm").build());
                assertThatThrownBy(() -> noRetry.chat()
                                .completions()
                                .create(chat().user("java-rpm").build()))
                        .isInstanceOfSatisfying(RateLimitException.class, e -> {
                            long waitMs = Long.parseLong(
                                    e.headers().values("retry-after-ms").get(0));
                            long toBoundary = 60_000L - Math.floorMod(clock.millis(), 60_000L);
                            assertThat(waitMs).isGreaterThan(toBoundary);
                            assertThat(e.headers().values("x-ratelimit-remaining-requests"))
                                    .containsExactly("0");
                        });
                assertThat(refusals(p, "rpm")).isEqualTo(1);
                ChatCompletion retried = retrying.chat()
                        .completions()
                        .create(chat().user("java-rpm").build());
                assertThat(retried.choices()).isNotEmpty();
                // One more refusal (the SDK's first attempt), then its retry after retry-after-ms got through.
                assertThat(refusals(p, "rpm")).isEqualTo(2);
            } finally {
                noRetry.close();
                retrying.close();
            }
        }
    }

    private static final Pattern REFUSALS =
            Pattern.compile("(?m)^tollgate_refusals_total\\{reason=\"(\\w+)\"} (\\S+)$");

    private static double refusals(TestProxy p, String reason) {
        Matcher m = REFUSALS.matcher(p.server().metrics().scrape());
        while (m.find()) {
            if (m.group(1).equals(reason)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no tollgate_refusals_total{reason=\"" + reason + "\"}");
    }
}
