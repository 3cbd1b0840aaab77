package dev.tollgate.core.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageParserTest {

    private static JsonNode json(String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length);
    }

    @Test
    void readsOpenAiUsageWithCachedTokens() throws Exception {
        JsonNode usage = json("""
                {"prompt_tokens":1200,"completion_tokens":80,"total_tokens":1280,
                 "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                 "completion_tokens_details":{"reasoning_tokens":0}}""");
        assertThat(UsageParser.fromUsageNode(usage)).contains(new Usage(1200, 80, 1024, false));
    }

    @Test
    void readsVllmUsageWithNullDetails() throws Exception {
        JsonNode usage = json("""
                {"prompt_tokens":17,"total_tokens":42,"completion_tokens":25,"prompt_tokens_details":null}""");
        assertThat(UsageParser.fromUsageNode(usage)).contains(new Usage(17, 25, 0, false));
    }

    @Test
    void embeddingUsageHasNoCompletionTokens() throws Exception {
        assertThat(UsageParser.fromUsageNode(json("{\"prompt_tokens\":8,\"total_tokens\":8}")))
                .contains(new Usage(8, 0, 0, false));
    }

    @Test
    void missingOrMeaninglessUsageIsEmpty() throws Exception {
        assertThat(UsageParser.fromUsageNode(null)).isEmpty();
        assertThat(UsageParser.fromUsageNode(json("null"))).isEmpty();
        assertThat(UsageParser.fromUsageNode(json("{}"))).isEmpty();
        assertThat(UsageParser.fromUsageNode(json("[1,2]"))).isEmpty();
        assertThat(UsageParser.fromUsageNode(json("{\"prompt_tokens\":\"12\"}")))
                .isEmpty();
    }

    @Test
    void cachedTokensNeverExceedPromptTokens() throws Exception {
        JsonNode usage =
                json("{\"prompt_tokens\":10,\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":50}}");
        assertThat(UsageParser.fromUsageNode(usage)).contains(new Usage(10, 1, 10, false));
    }

    @Test
    void contentChunkHasDeltaAndNoUsage() throws Exception {
        ChunkView view = UsageParser.viewChunk(json("""
                {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}"""));
        assertThat(view.contentDelta()).isEqualTo("Hel");
        assertThat(view.usage()).isEmpty();
        assertThat(view.usageOnly()).isFalse();
    }

    @Test
    void concatenatesContentOfSeveralChoices() throws Exception {
        ChunkView view = UsageParser.viewChunk(json("""
                {"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"role":"assistant"}},
                            {"index":2,"delta":{"content":"bc"}},{"index":3,"delta":{"content":null}}]}"""));
        assertThat(view.contentDelta()).isEqualTo("abc");
    }

    @Test
    void finalUsageChunkWithEmptyChoicesIsUsageOnly() throws Exception {
        ChunkView view = UsageParser.viewChunk(json("""
                {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}}"""));
        assertThat(view.usageOnly()).isTrue();
        assertThat(view.usage()).contains(new Usage(9, 12, 0, false));
        assertThat(view.contentDelta()).isEmpty();
    }

    @Test
    void groqsUsageUnderXGroqOnTheLastContentChunkCountsButIsNoUsageOnlyChunk() throws Exception {
        ChunkView view = UsageParser.viewChunk(json("""
                {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],
                 "x_groq":{"id":"req_1","usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}}"""));
        assertThat(view.usage()).contains(new Usage(7, 3, 0, false));
        assertThat(view.usageOnly()).isFalse();
    }

    @Test
    void usageChunkWithNullOrMissingChoicesIsUsageOnly() throws Exception {
        String usage = "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}";
        assertThat(UsageParser.viewChunk(json("{\"choices\":null," + usage + "}"))
                        .usageOnly())
                .isTrue();
        assertThat(UsageParser.viewChunk(json("{" + usage + "}")).usageOnly()).isTrue();
    }

    @Test
    void usageAttachedToAContentChunkIsNotUsageOnly() throws Exception {
        // vLLM and some gateways put usage on the last content chunk.
        ChunkView view = UsageParser.viewChunk(json("""
                {"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":6,"total_tokens":11,"prompt_tokens_details":null}}"""));
        assertThat(view.usageOnly()).isFalse();
        assertThat(view.usage()).contains(new Usage(5, 6, 0, false));
        assertThat(view.contentDelta()).isEqualTo("!");
    }

    @Test
    void nullUsageIsNoUsage() throws Exception {
        ChunkView view = UsageParser.viewChunk(json("{\"choices\":[],\"usage\":null}"));
        assertThat(view.usage()).isEmpty();
        assertThat(view.usageOnly()).isFalse();
    }
}
