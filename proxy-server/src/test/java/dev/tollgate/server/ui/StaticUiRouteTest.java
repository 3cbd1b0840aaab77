package dev.tollgate.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.TestProxy;
import dev.tollgate.testing.LeakGuard;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin page's files and headers, and {@code GET /tollgate/overview}, on a real proxy. */
class StaticUiRouteTest {
    static {
        // Before any Netty buffer class loads (also for test classes that run after this one in the JVM).
        LeakGuard.install();
    }

    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start("""
                model_list:
                  - model_name: mock
                    litellm_params: {model: openai/gpt-4o-mini, mock_response: "hi there", input_cost_per_token: 0.001, output_cost_per_token: 0.002}
                general_settings: {master_key: %s}
                """.formatted(TestProxy.KEY));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        proxy.close();
        LeakGuard.assertNoLeaks();
    }

    static HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(proxy.base() + path))
                .timeout(Duration.ofSeconds(20))
                .GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageWithItsSecurityHeaders() throws Exception {
        for (String path : new String[] {"/ui", "/ui/", "/ui/?from=bookmark"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).as(path).hasValue("text/html; charset=utf-8");
            assertThat(r.headers().firstValue("content-security-policy").orElseThrow())
                    .startsWith("default-src 'self'")
                    .contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe");
            assertThat(r.headers().firstValue("x-content-type-options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
            assertThat(r.body())
                    .contains("<script type=\"module\" src=\"/ui/app.js\"></script>")
                    .doesNotContain(TestProxy.KEY);
        }
        assertThat(get("/ui/app.js").headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(get("/ui/app.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
        assertThat(get("/ui/favicon.svg").headers().firstValue("content-type")).hasValue("image/svg+xml");
        assertThat(get("/ui/app.js").body()).isEqualTo(resource("ui/app.js"));
    }

    @Test
    void unknownFilesAndOtherMethodsAreJsonErrors() throws Exception {
        for (String path :
                new String[] {"/ui/nope.js", "/ui/../pom.xml", "/ui/%2e%2e/app.js", "/ui/ui/app.js", "/ui/app.js/"}) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("content-type")).as(path).hasValue("application/json");
            assertThat(Json.MAPPER.readTree(r.body()).path("error").path("code").asText())
                    .isEqualTo("route_not_found");
        }
        HttpResponse<String> post = HTTP.send(
                HttpRequest.newBuilder(URI.create(proxy.base() + "/ui/"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void revalidatesWithTheEtag() throws Exception {
        HttpResponse<String> first = get("/ui/app.css");
        String etag = first.headers().firstValue("etag").orElseThrow();
        HttpResponse<String> again = get("/ui/app.css", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(get("/ui/app.css", "If-None-Match", "\"other\"").statusCode())
                .isEqualTo(200);
        assertThat(get("/ui/app.js").headers().firstValue("etag").orElseThrow()).isNotEqualTo(etag);
        HttpResponse<Void> head = HTTP.send(
                HttpRequest.newBuilder(URI.create(proxy.base() + "/ui/app.css"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("content-security-policy")).isPresent();
    }

    /** The page's own rules, checked on the shipped files: no markup sinks, nothing inline for the CSP to refuse. */
    @Test
    void theShippedFilesKeepTheRenderingRules() throws Exception {
        for (String name : StaticUiRoute.FILES) {
            if (!name.endsWith(".js")) {
                continue;
            }
            String js = resource("ui/" + name);
            for (String sink : new String[] {
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
                "localStorage"
            }) {
                assertThat(js).as(name + " must not use " + sink).doesNotContain(sink);
            }
        }
        String html = resource("ui/index.html");
        assertThat(html)
                .doesNotContainPattern("(?i)<script(?![^>]*\\bsrc=)[^>]*>")
                .doesNotContainPattern("(?i)\\sstyle=")
                .doesNotContainPattern("(?i)\\son[a-z]+=")
                .doesNotContainPattern("(?i)https?://");
        assertThat(resource("ui/app.css")).doesNotContainPattern("(?i)@import|url\\(\\s*['\"]?https?:");
    }

    /** Every module the page imports is served, under the path the import names. */
    @Test
    void everyImportedModuleIsServed() throws Exception {
        Pattern imports = Pattern.compile("^import [^;]* from '([^']+)';$", Pattern.MULTILINE);
        int seen = 0;
        for (String name : StaticUiRoute.FILES) {
            if (!name.endsWith(".js")) {
                continue;
            }
            Matcher m = imports.matcher(resource("ui/" + name));
            while (m.find()) {
                String target = URI.create("/ui/" + name).resolve(m.group(1)).getPath();
                HttpResponse<String> r = get(target);
                assertThat(r.statusCode()).as(name + " imports " + target).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
                seen++;
            }
        }
        assertThat(seen).as("imports found").isGreaterThan(10);
    }

    @Test
    void overviewNeedsTheKeyAndSumsFlushedSpend() throws Exception {
        assertThat(get("/tollgate/overview").statusCode()).isEqualTo(401);
        assertThat(get("/tollgate/overview", "Authorization", "Bearer sk-wrong-key")
                        .statusCode())
                .isEqualTo(401);

        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("mock", "ov-cust-a", false))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("mock", "ov-cust-a", false))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("mock", "ov-cust-b", false))
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/customer/block", "{\"user_ids\":[\"ov-cust-c\"]}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(proxy.post("/v1/chat/completions", TestProxy.chat("mock", "ov-cust-c", false))
                        .statusCode())
                .isEqualTo(403);
        proxy.server().flusher().flushNow().get(30, TimeUnit.SECONDS);

        HttpResponse<String> r = proxy.get("/tollgate/overview");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
        JsonNode o = Json.MAPPER.readTree(r.body());
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        assertThat(o.path("spend").path("today_date").asText()).isEqualTo(today);
        JsonNode day = o.path("spend").path("today");
        assertThat(day.path("requests").asLong()).isEqualTo(3);
        assertThat(day.path("spend").decimalValue()).isPositive();
        assertThat(o.path("spend").path("month").path("spend").decimalValue())
                .isEqualByComparingTo(day.path("spend").decimalValue());
        assertThat(o.path("daily")).hasSize(14);
        assertThat(o.path("daily").get(13).path("date").asText()).isEqualTo(today);
        assertThat(o.path("daily").get(13).path("requests").asLong()).isEqualTo(3);
        JsonNode top = o.path("top_customers");
        assertThat(top.get(0).path("user_id").asText()).isEqualTo("ov-cust-a");
        assertThat(top.get(0).path("requests").asLong()).isEqualTo(2);
        assertThat(top.get(0).path("spend").decimalValue())
                .isGreaterThan(top.get(1).path("spend").decimalValue());
        assertThat(o.path("counts").path("blocked_customers").asLong()).isEqualTo(1);
        assertThat(o.path("refusals").path("by_reason").path("blocked").asLong())
                .isEqualTo(1);
        assertThat(o.path("refusals").path("total").asLong()).isEqualTo(1);
        JsonNode health = o.path("health");
        assertThat(health.path("database").path("ok").asBoolean()).isTrue();
        assertThat(health.path("database").path("kind").asText()).isEqualTo("embedded H2");
        assertThat(health.path("redis").path("kind").asText()).isEqualTo("in-process");
        assertThat(health.path("redis").path("ok").asBoolean()).isTrue();
        assertThat(health.path("spend_flush").path("ok").asBoolean()).isTrue();
        assertThat(health.path("spend_flush").path("last_success_at").isTextual())
                .isTrue();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = StaticUiRouteTest.class.getClassLoader().getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
