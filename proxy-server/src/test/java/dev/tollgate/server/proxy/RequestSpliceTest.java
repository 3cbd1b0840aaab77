package dev.tollgate.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The body sent upstream is spliced from the client's bytes: every field other than the ones the
 * proxy rewrites must arrive exactly as sent (same bytes, same order), whatever the whitespace.
 */
class RequestSpliceTest {
    private static final byte[] MODEL = MemberOffsets.member("model", Json.bytes("gpt-4o-2024"));

    private final List<CompletionRequest> parsed = new ArrayList<>();

    @AfterEach
    void releaseBodies() {
        parsed.forEach(CompletionRequest::release);
    }

    private CompletionRequest parse(String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            CompletionRequest r = CompletionRequest.parse(CompletionRequest.Kind.CHAT, content);
            parsed.add(r);
            return r;
        } finally {
            content.release(); // the request keeps its own reference
        }
    }

    private String upstream(String body, boolean askUsage) {
        CompletionRequest r = parse(body);
        ByteBuf out = r.upstreamBody(ByteBufAllocator.DEFAULT, MODEL, askUsage && r.stream() && !r.clientWantsUsage());
        try {
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    @Test
    void compactBodyKeepsEveryOtherFieldByteForByte() {
        String body =
                "{\"model\":\"my-group\",\"user\":\"c1\",\"temperature\":0.70,\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9 \\\"q\\\"\"}],\"tools\":[{\"a\":[1,2,{}]}]}";
        assertThat(upstream(body, true))
                .isEqualTo(
                        "{\"model\":\"gpt-4o-2024\",\"user\":\"c1\",\"temperature\":0.70,\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9 \\\"q\\\"\"}],\"tools\":[{\"a\":[1,2,{}]}]}");
    }

    @Test
    void prettyPrintedBodyIsSplicedAtMemberBoundaries() throws Exception {
        String body =
                "{\n  \"messages\" : [ {\"role\": \"user\", \"content\": \"x\"} ] ,\n  \"model\" :\t\"my-group\"\r\n,\"n\" : 1\n}\n";
        String out = upstream(body, true);
        assertThat(out)
                .isEqualTo(
                        "{\"messages\" : [ {\"role\": \"user\", \"content\": \"x\"} ],\"model\":\"gpt-4o-2024\",\"n\" : 1}");
        assertThat(Json.MAPPER.readTree(out).get("n").asInt()).isEqualTo(1);
    }

    @Test
    void streamsAskForUsageKeepingTheClientsOtherStreamOptions() throws Exception {
        JsonNode out = Json.MAPPER.readTree(upstream(
                "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false,\"x\":1},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                true));
        assertThat(out.get("stream_options").toString()).isEqualTo("{\"include_usage\":true,\"x\":1}");
        assertThat(out.get("model").asText()).isEqualTo("gpt-4o-2024");
        JsonNode added = Json.MAPPER.readTree(upstream(
                "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", true));
        assertThat(added.get("stream_options").toString()).isEqualTo("{\"include_usage\":true}");
    }

    @Test
    void clientThatAskedForUsageKeepsItsBytes() {
        String body =
                "{\"model\":\"m\",\"stream\":true,\"stream_options\": {\"include_usage\": true},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(upstream(body, true)).contains("\"stream_options\": {\"include_usage\": true}");
    }

    @Test
    void mockResponseAndDuplicateModelsAreDropped() throws Exception {
        String out = upstream(
                "{\"model\":\"a\",\"mock_response\":\"hi\",\"model\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                false);
        assertThat(out).isEqualTo("{\"model\":\"gpt-4o-2024\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        // As a JSON tree reads it, the last duplicate wins.
        assertThat(parse("{\"model\":\"a\",\"model\":\"b\",\"messages\":[1]}").model())
                .isEqualTo("b");
    }

    @Test
    void malformedOrTrailingJsonIsRefused() {
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} {}"))
                .isInstanceOf(TollgateException.class)
                .hasMessageStartingWith("Request body is not valid JSON");
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"]}"))
                .isInstanceOf(TollgateException.class)
                .hasMessageStartingWith("Request body is not valid JSON");
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"x\":\"unterminated}"))
                .isInstanceOf(TollgateException.class)
                .hasMessageStartingWith("Request body is not valid JSON");
        assertThatThrownBy(() -> parse("[1]"))
                .isInstanceOf(TollgateException.class)
                .hasMessage("Request body must be a JSON object.");
    }

    @Test
    void customerFieldsAndLimitsAreRead() {
        CompletionRequest r = parse(
                "{\"user\":\"c-9\",\"metadata\":{\"user_id\":\"m\"},\"model\":\"m\",\"max_tokens\":5,\"max_completion_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.identityFields().get("user").asText()).isEqualTo("c-9");
        assertThat(r.identityFields().get("metadata").get("user_id").asText()).isEqualTo("m");
        assertThat(r.hasUser()).isTrue();
        assertThat(r.maxTokens()).isEqualTo(7);
        assertThat(r.messages().get(0).get("content").asText()).isEqualTo("x");
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[1]}"))
                .hasMessageContaining("'max_tokens' must be a positive integer");
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"messages\":[]}"))
                .hasMessage("'messages' must be a non-empty array.");
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[1]}"))
                .hasMessage("'stream' must be a boolean.");
        assertThatThrownBy(() -> parse("{\"messages\":[1]}")).hasMessage("Missing required parameter: 'model'.");
    }

    /**
     * A large prompt is not copied on its way upstream: the upstream body is made of slices of
     * the received buffer (a change to it shows through), it is direct (so the socket writes it
     * without copying it to native memory first), and every reference it took is given back.
     */
    @Test
    void largeBodyGoesUpstreamAsSlicesOfTheReceivedBuffer() {
        String prompt = "x".repeat(400_000);
        String json = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        ByteBuf received = ByteBufAllocator.DEFAULT.directBuffer(json.length());
        received.writeCharSequence(json, StandardCharsets.US_ASCII);
        CompletionRequest r = CompletionRequest.parse(CompletionRequest.Kind.CHAT, received);
        assertThat(r.bodyBytes()).isEqualTo(json.length());
        ByteBuf out = r.upstreamBody(ByteBufAllocator.DEFAULT, MODEL, false);
        try {
            assertThat(out.isDirect()).isTrue();
            int at = json.indexOf(prompt) + 1000;
            received.setByte(at, 'y');
            String sent = out.toString(StandardCharsets.US_ASCII);
            assertThat(sent).startsWith("{\"model\":\"gpt-4o-2024\",\"messages\":");
            assertThat(sent.indexOf('y')).isEqualTo(at + ("gpt-4o-2024".length() - "m".length()));
        } finally {
            out.release();
            r.release();
            r.release(); // idempotent
        }
        assertThat(received.refCnt()).isEqualTo(1);
        received.release();
    }

    /**
     * A large body steps over its messages array without tokenising it: the fields around it are
     * read, the body is spliced as before, and every malformed or refused case answers as a small
     * body does.
     */
    @Test
    void aLargeMessagesArrayIsSteppedOverWithTheSameResultsAndErrors() throws Exception {
        String big = "[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\""
                + "é \\\" long ".repeat(5_000) + "\"}]";
        assertThat(big.length()).isGreaterThan(CompletionRequest.FAST_SKIP_MIN_BYTES);
        String body = "{ \"messages\" : " + big + " ,\n \"model\":\"m\",\"user\":\"c-7\",\"stream\":true,"
                + "\"max_tokens\":16,\"n\":1 }";
        CompletionRequest r = parse(body);
        assertThat(r.model()).isEqualTo("m");
        assertThat(r.stream()).isTrue();
        assertThat(r.maxTokens()).isEqualTo(16);
        assertThat(r.identityFields().get("user").asText()).isEqualTo("c-7");
        String out = upstream(body, true);
        JsonNode sent = Json.MAPPER.readTree(out);
        JsonNode original = Json.MAPPER.readTree(body);
        assertThat(sent.get("messages")).isEqualTo(original.get("messages"));
        assertThat(sent.get("model").asText()).isEqualTo("gpt-4o-2024");
        assertThat(sent.get("n").asInt()).isEqualTo(1);
        assertThat(sent.get("stream_options").toString()).isEqualTo("{\"include_usage\":true}");
        assertThat(out).contains("\"messages\" : " + big);

        // messages last, and a later duplicate that is not an array: the last one wins, as before.
        assertThat(parse("{\"model\":\"m\",\"messages\":" + big + "}").model()).isEqualTo("m");
        assertThatThrownBy(() -> parse("{\"model\":\"m\",\"messages\":" + big + ",\"messages\":[]}"))
                .hasMessage("'messages' must be a non-empty array.");

        String pad = "\"pad\":\"" + "x".repeat(CompletionRequest.FAST_SKIP_MIN_BYTES) + "\",";
        assertThatThrownBy(() -> parse("{" + pad + "\"model\":\"m\",\"messages\":[ ]}"))
                .hasMessage("'messages' must be a non-empty array.");
        String broken = big.replace("be brief", "be\tbrief"); // a raw tab inside a string
        for (String bad : List.of(
                "{\"model\":\"m\",\"messages\":" + broken + "}",
                "{\"model\":\"m\",\"messages\":" + big + ", }",
                "{\"model\":\"m\",\"messages\":" + big + " \"n\":1}",
                "{\"model\":\"m\",\"messages\":" + big + "} {}",
                "{\"model\":\"m\",\"messages\":" + big + ",\"n\":}",
                "{\"model\":\"m\",\"messages\":" + big.substring(0, big.length() - 1) + "}")) {
            assertThatThrownBy(() -> parse(bad))
                    .isInstanceOf(TollgateException.class)
                    .hasMessageStartingWith("Request body is not valid JSON");
        }
    }

    @Test
    void aRefusedBodyKeepsNoReference() {
        ByteBuf received = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[]}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CompletionRequest.parse(CompletionRequest.Kind.CHAT, received))
                .isInstanceOf(TollgateException.class);
        assertThat(received.refCnt()).isEqualTo(1);
        received.release();
    }
}
