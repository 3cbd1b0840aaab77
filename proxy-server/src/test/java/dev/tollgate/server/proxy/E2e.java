package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** Small shared checks of the end-to-end proxy tests. */
public final class E2e {
    /** Prices every test config puts in {@code model_info}: USD per token. */
    public static final BigDecimal IN = new BigDecimal("0.000001");

    public static final BigDecimal OUT = new BigDecimal("0.000002");
    public static final String PRICES = "{input_cost_per_token: 0.000001, output_cost_per_token: 0.000002}";

    private E2e() {}

    public static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** Asserts the OpenAI error shape: exactly message, type, param, code; no stack trace. */
    public static JsonNode assertErrorShape(String body) {
        JsonNode root = json(body);
        assertThat(root.isObject()).as(body).isTrue();
        assertThat(root.size()).as(body).isEqualTo(1);
        JsonNode e = root.get("error");
        assertThat(e).as(body).isNotNull();
        List<String> names = new ArrayList<>();
        e.fieldNames().forEachRemaining(names::add);
        assertThat(names).as(body).containsExactly("message", "type", "param", "code");
        assertThat(e.get("message").isTextual()).as(body).isTrue();
        assertThat(e.get("message").asText()).as(body).isNotBlank();
        assertThat(e.get("type").isTextual()).as(body).isTrue();
        assertThat(e.get("param").isTextual() || e.get("param").isNull())
                .as(body)
                .isTrue();
        assertThat(e.get("code").isTextual() || e.get("code").isNull()).as(body).isTrue();
        assertNoStackTrace(body);
        return e;
    }

    public static void assertNoStackTrace(String body) {
        assertThat(body)
                .doesNotContain("\tat ")
                .doesNotContain("at dev.tollgate.")
                .doesNotContain("at io.netty.")
                .doesNotContain("Exception:")
                .doesNotContain(".java:");
    }

    /** The customer's spend as {@code /customer/info} reports it (USD). */
    public static BigDecimal spend(TestProxy proxy, String customer) throws Exception {
        HttpResponse<String> r = proxy.get("/customer/info?end_user_id=" + customer);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r.body()).get("spend").decimalValue();
    }

    /**
     * The customer's spend, or zero while {@code /customer/info} does not know the customer yet (a
     * first call that is still settling): for polling with {@link #eventually}.
     */
    public static BigDecimal spendSoFar(TestProxy proxy, String customer) throws Exception {
        HttpResponse<String> r = proxy.get("/customer/info?end_user_id=" + customer);
        if (r.statusCode() == 404) {
            return BigDecimal.ZERO;
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r.body()).get("spend").decimalValue();
    }

    public static BigDecimal cost(long prompt, long completion) {
        return IN.multiply(BigDecimal.valueOf(prompt)).add(OUT.multiply(BigDecimal.valueOf(completion)));
    }

    /** Polls {@code condition} until true or the deadline; for effects that have no event to await. */
    public static boolean eventually(Duration timeout, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.call())) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** Splits an SSE body into its events, each ending with its blank line. */
    public static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        int from = 0;
        int end;
        while ((end = sse.indexOf("\n\n", from)) >= 0) {
            out.add(sse.substring(from, end + 2));
            from = end + 2;
        }
        if (from < sse.length()) {
            out.add(sse.substring(from));
        }
        return out;
    }

    /** The fake upstream's completion text for {@code n} tokens. */
    public static String fakeText(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "tok0" : " tok" + i);
        }
        return sb.toString();
    }

    /** Replaces the per-call values of the fake's answers (id and created) with fixed ones. */
    public static String normalizeIds(String body) {
        return body.replaceAll("\"id\":\"chatcmpl-fake-\\d+\"", "\"id\":\"ID\"")
                .replaceAll("\"created\":\\d+", "\"created\":0");
    }
}
