package dev.tollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.server.proxy.E2e;
import dev.tollgate.server.proxy.RawHttp;
import dev.tollgate.testing.LeakGuard;
import dev.tollgate.testing.upstream.FakeUpstream;
import dev.tollgate.testing.upstream.FakeUpstreamOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bounded random-input test of the HTTP/JSON front: a few thousand mutated request bodies and
 * header sets (seeded, so a failure replays) against a proxy with a healthy upstream. Whatever
 * arrives, the answer is never a 5xx, and every 4xx is the OpenAI error shape.
 */
class RandomInputTest {
    static {
        LeakGuard.install();
    }

    private static final long SEED = Long.getLong("tollgate.fuzz.seed", 20240917L);
    private static final int MAX_CASES = 3000;
    private static final long MAX_NANOS = 15_000_000_000L;

    private static final String[] SEEDS = {
        "{\"model\":\"mock\",\"user\":\"fz-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
        "{\"model\":\"fake\",\"user\":\"fz-2\",\"stream\":true,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}",
        "{\"model\":\"fake\",\"user\":\"fz-3\",\"max_tokens\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"tools\"}],\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"parameters\":{}}}],\"n\":1,\"temperature\":0.5}",
        "{\"model\":\"mock\",\"input\":[\"a\",\"b\"]}",
    };
    private static final String[] PATHS = {
        "/v1/chat/completions",
        "/chat/completions",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/models",
        "/v1/chat/completions?x=1",
        "/nope",
        "/customer/info?end_user_id=fz-1"
    };

    static FakeUpstream upstream;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeUpstream.start(
                FakeUpstreamOptions.defaults().ioThreads(1).chunkCount(3).maxRecordedRequests(10));
        proxy = TestProxy.start("""
                model_list:
                  - {model_name: fake, litellm_params: {model: openai/gpt-4o, api_base: "%s", api_key: k}, model_info: %s}
                  - {model_name: mock, litellm_params: {model: openai/gpt-4o-mini, mock_response: "ok"}, model_info: %s}
                general_settings: {master_key: %s, max_request_body_bytes: 65536}
                """.formatted(upstream.baseUrl(), E2e.PRICES, E2e.PRICES, TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        upstream.close();
        LeakGuard.assertNoLeaks();
    }

    @Test
    void randomBodiesAndHeadersNeverGetA5xxAndAlwaysJsonErrors() throws Exception {
        Random rnd = new Random(SEED);
        long deadline = System.nanoTime() + MAX_NANOS;
        int cases = 0;
        int ok = 0;
        int clientErrors = 0;
        RawHttp conn = RawHttp.connect(proxy.server().port());
        try {
            while (cases < MAX_CASES && System.nanoTime() < deadline) {
                cases++;
                String path = rnd.nextInt(10) < 7 ? PATHS[0] : PATHS[rnd.nextInt(PATHS.length)];
                String method = rnd.nextInt(20) == 0 ? "GET" : "POST";
                byte[] body = body(rnd);
                List<String> headers = headers(rnd);
                byte[] request = request(method, path, headers, body);
                String what = "case " + cases + " (seed " + SEED + "): " + method + " " + path + " " + headers + " "
                        + new String(body, StandardCharsets.UTF_8);
                RawHttp.Response r;
                try {
                    r = conn.send(request).read();
                } catch (IOException e) {
                    throw new AssertionError("no answer to " + what, e);
                }
                assertThat(r.status()).as(what + "\n-> " + r.text()).isLessThan(500);
                if (r.status() >= 400) {
                    clientErrors++;
                    E2e.assertErrorShape(r.text());
                } else {
                    ok++;
                    E2e.assertNoStackTrace(r.text());
                }
                if ("close".equalsIgnoreCase(r.header("connection"))) {
                    conn.close();
                    conn = RawHttp.connect(proxy.server().port());
                }
            }
        } finally {
            conn.close();
        }
        // Bounded by time as well as count: on a loaded machine with paranoid leak detection it does fewer.
        assertThat(cases).isGreaterThanOrEqualTo(200);
        assertThat(ok).as("some mutations stay valid").isPositive();
        assertThat(clientErrors).as("most mutations are rejected").isPositive();
    }

    private static byte[] request(String method, String path, List<String> headers, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head =
                new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static List<String> headers(Random rnd) {
        List<String> h = new ArrayList<>();
        switch (rnd.nextInt(12)) {
            case 0 -> {}
            case 1 -> h.add("Authorization: Bearer sk-wrong");
            case 2 -> h.add("Authorization: Basic " + TestProxy.KEY);
            case 3 -> h.add("Authorization: Bearer ");
            case 4 -> h.add("x-api-key: " + TestProxy.KEY);
            case 5 -> h.add("Authorization: Bearer " + TestProxy.KEY + randomToken(rnd, 3));
            case 6 -> h.add("Authorization: " + randomToken(rnd, 20));
            default -> h.add("Authorization: Bearer " + TestProxy.KEY);
        }
        switch (rnd.nextInt(6)) {
            case 0 -> {}
            case 1 -> h.add("Content-Type: text/plain");
            case 2 -> h.add("Content-Type: application/json; charset=utf-8");
            case 3 -> h.add("Content-Type: " + randomToken(rnd, 12));
            default -> h.add("Content-Type: application/json");
        }
        int extra = rnd.nextInt(4);
        for (int i = 0; i < extra; i++) {
            String name = switch (rnd.nextInt(6)) {
                case 0 -> "x-litellm-customer-id";
                case 1 -> "x-litellm-end-user-id";
                case 2 -> "Accept";
                case 3 -> "Accept-Encoding";
                default -> "X-" + randomToken(rnd, 1 + rnd.nextInt(10));
            };
            h.add(name + ": " + randomValue(rnd));
        }
        return h;
    }

    private static byte[] body(Random rnd) throws IOException {
        String seed = SEEDS[rnd.nextInt(SEEDS.length)];
        return switch (rnd.nextInt(6)) {
            case 0 -> seed.getBytes(StandardCharsets.UTF_8);
            case 1 -> structural(rnd, seed).getBytes(StandardCharsets.UTF_8);
            case 2 -> structural(rnd, structural(rnd, seed)).getBytes(StandardCharsets.UTF_8);
            case 3 -> byteMutations(rnd, seed.getBytes(StandardCharsets.UTF_8));
            case 4 -> {
                byte[] b = seed.getBytes(StandardCharsets.UTF_8);
                byte[] cut = new byte[rnd.nextInt(b.length + 1)];
                System.arraycopy(b, 0, cut, 0, cut.length);
                yield cut;
            }
            default -> {
                byte[] junk = new byte[rnd.nextInt(200)];
                rnd.nextBytes(junk);
                yield junk;
            }
        };
    }

    /** Replaces, removes or adds one field somewhere in the tree with a random JSON value. */
    private static String structural(Random rnd, String json) throws IOException {
        JsonNode root = Json.MAPPER.readTree(json);
        List<ObjectNode> objects = new ArrayList<>();
        collectObjects(root, objects);
        ObjectNode target = objects.get(rnd.nextInt(objects.size()));
        List<String> names = new ArrayList<>();
        target.fieldNames().forEachRemaining(names::add);
        String field = names.isEmpty() || rnd.nextInt(4) == 0
                ? new String[] {
                            "model",
                            "messages",
                            "stream",
                            "stream_options",
                            "max_tokens",
                            "max_completion_tokens",
                            "user",
                            "n",
                            "mock_response",
                            "input",
                            "content",
                            "role",
                            "include_usage",
                            "x"
                        }
                        [rnd.nextInt(14)]
                : names.get(rnd.nextInt(names.size()));
        if (rnd.nextInt(5) == 0) {
            target.remove(field);
        } else {
            target.set(field, randomJson(rnd, 2));
        }
        return Json.MAPPER.writeValueAsString(root);
    }

    private static void collectObjects(JsonNode n, List<ObjectNode> out) {
        if (n instanceof ObjectNode o) {
            out.add(o);
        }
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
            collectObjects(it.next(), out);
        }
    }

    private static JsonNode randomJson(Random rnd, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        int kind = rnd.nextInt(depth > 0 ? 14 : 11);
        return switch (kind) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(rnd.nextBoolean());
            case 2 -> f.numberNode(rnd.nextInt(5) - 1);
            case 3 -> f.numberNode(Long.MAX_VALUE - rnd.nextInt(3));
            case 4 -> f.numberNode(Long.MIN_VALUE);
            case 5 -> f.numberNode(new BigInteger("123456789012345678901234567890"));
            case 6 -> f.numberNode(rnd.nextDouble() * 1e20);
            case 7 -> f.textNode("");
            case 8 ->
                f.textNode(new String[] {"mock", "fake", "gpt-4o", "user", "assistant", "\u0000", "\u2603", "[DONE]"}
                        [rnd.nextInt(8)]);
            case 9 -> f.textNode(randomValue(rnd));
            case 10 -> f.numberNode(Integer.MAX_VALUE + (long) rnd.nextInt(1000));
            case 11 -> {
                var a = f.arrayNode();
                int n = rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    a.add(randomJson(rnd, depth - 1));
                }
                yield a;
            }
            case 12 -> {
                ObjectNode o = f.objectNode();
                o.put("role", "user");
                o.set("content", randomJson(rnd, depth - 1));
                yield f.arrayNode().add(o);
            }
            default -> {
                ObjectNode o = f.objectNode();
                o.set(
                        new String[] {"include_usage", "content", "type", "x"}[rnd.nextInt(4)],
                        randomJson(rnd, depth - 1));
                yield o;
            }
        };
    }

    private static byte[] byteMutations(Random rnd, byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(in);
        byte[] b = out.toByteArray();
        int ops = 1 + rnd.nextInt(4);
        for (int i = 0; i < ops && b.length > 0; i++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(4)) {
                case 0 -> b[at] = (byte) rnd.nextInt(256);
                case 1 -> b[at] = (byte) "{}[]\",:0-9.eE\\ntf".charAt(rnd.nextInt(17));
                case 2 -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
                default -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) "{}[]\",:\\u".charAt(rnd.nextInt(9));
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
            }
        }
        return b;
    }

    private static String randomToken(Random rnd, int len) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** Printable ASCII, so the HTTP framing itself stays valid and the JSON layer is what is tested. */
    private static String randomValue(Random rnd) {
        int len = rnd.nextInt(30);
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append((char) (0x21 + rnd.nextInt(0x7e - 0x21)));
        }
        return sb.toString();
    }
}
