package dev.tollgate.core.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    private static JsonNode json(String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length);
    }

    @Test
    void countsKnownTexts() {
        assertThat(TokenEstimator.countText("gpt-4o", "hello world")).isEqualTo(2);
        assertThat(TokenEstimator.countText("gpt-3.5-turbo", "hello world")).isEqualTo(2);
        assertThat(TokenEstimator.countText("gpt-4o", "")).isZero();
        assertThat(TokenEstimator.countText("gpt-4o", null)).isZero();
    }

    @Test
    void encodingsDifferWhereTheVocabulariesDo() {
        // o200k_base has the larger vocabulary: non-English text needs fewer tokens than in cl100k_base.
        String text = "Die Weltgesundheitsorganisation veröffentlicht regelmäßig Berichte über Infektionskrankheiten.";
        assertThat(TokenEstimator.countText("gpt-4o", text)).isLessThan(TokenEstimator.countText("gpt-4", text));
    }

    @Test
    void specialTokenTextIsOrdinaryText() {
        assertThat(TokenEstimator.countText("gpt-4o", "<|endoftext|>")).isGreaterThan(1);
    }

    @Test
    void choosesEncodingByModelFamily() {
        for (String m : new String[] {
            "gpt-4o",
            "gpt-4o-mini",
            "openai/gpt-4o-2024-08-06",
            "azure/gpt-4.1-nano",
            "gpt-5-mini",
            "o1",
            "o3-mini",
            "o4-mini",
            "chatgpt-4o-latest"
        }) {
            assertThat(TokenEstimator.usesO200k(m)).as(m).isTrue();
        }
        for (String m : new String[] {
            "gpt-4",
            "gpt-4-turbo",
            "gpt-3.5-turbo",
            "mistral-large-latest",
            "claude-sonnet-4",
            "hosted_vllm/meta-llama/Llama-3.1-8B",
            "text-embedding-3-small"
        }) {
            assertThat(TokenEstimator.usesO200k(m)).as(m).isFalse();
        }
        assertThat(TokenEstimator.usesO200k(null)).isFalse();
    }

    @Test
    void countsChatMessagesWithOverheads() throws Exception {
        JsonNode messages = json("[{\"role\":\"user\",\"content\":\"hello world\"}]");
        // 3 (message) + 1 ("user") + 2 ("hello world") + 3 (reply priming)
        assertThat(TokenEstimator.countPromptTokens("gpt-4o", messages)).isEqualTo(9);
    }

    @Test
    void countsTextPartsNameAndToolCalls() throws Exception {
        JsonNode parts = json("""
                [{"role":"user","name":"bob","content":[{"type":"text","text":"hello world"},
                  {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},{"type":"text","text":"hello world"}]}]""");
        long bob = TokenEstimator.countText("gpt-4o", "bob");
        assertThat(TokenEstimator.countPromptTokens("gpt-4o", parts)).isEqualTo(3 + 1 + (1 + bob) + 2 + 2 + 3);

        String calls = "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]";
        JsonNode withTools = json("[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":" + calls + "}]");
        long callTokens = TokenEstimator.countText("gpt-4o", json(calls).toString());
        long assistant = TokenEstimator.countText("gpt-4o", "assistant");
        assertThat(TokenEstimator.countPromptTokens("gpt-4o", withTools)).isEqualTo(3 + assistant + callTokens + 3);
    }

    @Test
    void missingMessagesCountNothing() throws Exception {
        assertThat(TokenEstimator.countPromptTokens("gpt-4o", null)).isZero();
        assertThat(TokenEstimator.countPromptTokens("gpt-4o", json("\"text\""))).isZero();
        assertThat(TokenEstimator.countPromptTokens("gpt-4o", json("[]"))).isEqualTo(3);
    }
}
