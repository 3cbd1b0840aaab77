package dev.tollgate.server.budget;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.server.TestProxy;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * A real HTTP client against one test proxy, sending the walkthrough's master key {@code sk-1234}
 * like the user's curl lines do. JSON is read with exact decimals (never doubles).
 */
public final class Api {
    public static final String KEY = "sk-1234";
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final TestProxy proxy;

    public Api(TestProxy proxy) {
        this.proxy = proxy;
    }

    public TestProxy proxy() {
        return proxy;
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return post(path, json, Map.of());
    }

    public HttpResponse<String> post(String path, String json, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(proxy.base() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::setHeader);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(proxy.base() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + KEY)
                .GET()
                .build();
        return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** A request without any key. */
    public HttpResponse<String> anonymous(String method, String path, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(proxy.base() + path)).timeout(Duration.ofSeconds(30));
        if (json == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POST that must answer 200; returns the parsed body. */
    public JsonNode ok(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> r = post(path, json);
        if (r.statusCode() != 200) {
            throw new AssertionError("POST " + path + " " + json + " -> " + r.statusCode() + " " + r.body());
        }
        return parse(r.body());
    }

    /** GET that must answer 200; returns the parsed body. */
    public JsonNode okGet(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " -> " + r.statusCode() + " " + r.body());
        }
        return parse(r.body());
    }

    public JsonNode info(String customer) throws IOException, InterruptedException {
        return okGet("/customer/info?end_user_id=" + URLEncoder.encode(customer, StandardCharsets.UTF_8));
    }

    /** A customer's current spend from /customer/info, in nano-dollars. */
    public long spendNanos(String customer) throws IOException, InterruptedException {
        return nanos(info(customer).get("spend"));
    }

    /** A chat call with the walkthrough's message. */
    public HttpResponse<String> chat(String model, String user) throws IOException, InterruptedException {
        return post("/chat/completions", chatBody(model, user, null));
    }

    public static String chatBody(String model, String user, Integer maxTokens) {
        return "{\"model\":\"" + model + "\"," + (user == null ? "" : "\"user\":\"" + user + "\",")
                + (maxTokens == null ? "" : "\"max_tokens\":" + maxTokens + ",")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"what time is it\"}]}";
    }

    public static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** USD (a JSON number or string) to exact nano-dollars; fails on sub-nano digits. */
    public static long nanos(JsonNode usd) {
        BigDecimal v = usd.isTextual() ? new BigDecimal(usd.textValue()) : usd.decimalValue();
        return v.movePointRight(9).longValueExact();
    }

    public static long nanos(String usd) {
        return new BigDecimal(usd).movePointRight(9).longValueExact();
    }

    /** Nano-dollars as a plain USD decimal string, for request bodies. */
    public static String usd(long nanos) {
        return BigDecimal.valueOf(nanos, 9).toPlainString();
    }

    /** The cost header of a successful non-streaming call, in nano-dollars. */
    public static long cost(HttpResponse<String> r) {
        String h = r.headers()
                .firstValue("x-litellm-response-cost")
                .orElseThrow(() -> new AssertionError(
                        "no x-litellm-response-cost: " + r.headers().map()));
        return nanos(h);
    }
}
