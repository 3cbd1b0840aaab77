package dev.tollgate.core.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import org.junit.jupiter.api.Test;

/** Chat completions requests as Messages API requests: every translated field, and what cannot be sent. */
class MessagesRequestTest {
    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    private static JsonNode translate(String chat) throws Exception {
        return MessagesRequest.fromChat(json(chat), "claude-sonnet-4-20250514", 64000, "cust-1");
    }

    @Test
    void systemPromptsAreLiftedOutAndTurnsOfOneRoleMerged() throws Exception {
        JsonNode out = translate("""
                {"model":"claude","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                  {"role":"user","content":"Hi"},
                  {"role":"user","content":[{"type":"text","text":"there"}]},
                  {"role":"assistant","content":"Bonjour"},
                  {"role":"user","content":"Again"}]}""");
        assertThat(out.get("system").asText()).isEqualTo("Be brief.\n\nAnswer in French.");
        assertThat(out.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Hi"},{"type":"text","text":"there"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Bonjour"}]},
                 {"role":"user","content":[{"type":"text","text":"Again"}]}]"""));
        assertThat(out.get("model").asText()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(out.get("metadata")).isEqualTo(json("{\"user_id\":\"cust-1\"}"));
    }

    @Test
    void maxTokensDefaultsToTheModelsLimitAndSamplingAndStopAreTranslated() throws Exception {
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        assertThat(translate("{" + msgs + "}").get("max_tokens").asInt()).isEqualTo(64000);
        assertThat(MessagesRequest.fromChat(json("{" + msgs + "}"), "m", 0, null)
                        .get("max_tokens")
                        .asInt())
                .isEqualTo(4096);
        JsonNode out = translate("{" + msgs + ",\"max_tokens\":100,\"max_completion_tokens\":50,"
                + "\"temperature\":0.2,\"top_p\":0.9,\"stop\":\"END\",\"stream\":true,\"user\":\"ignored\","
                + "\"response_format\":{\"type\":\"text\"}}");
        assertThat(out.get("max_tokens").asInt()).isEqualTo(50);
        assertThat(out.get("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(out.get("top_p").decimalValue()).isEqualByComparingTo("0.9");
        assertThat(out.get("stop_sequences")).isEqualTo(json("[\"END\"]"));
        assertThat(out.get("stream").asBoolean()).isTrue();
        assertThat(out.has("user")).isFalse();
        assertThat(out.has("response_format")).isFalse();
        assertThat(translate("{" + msgs + ",\"stop\":[\"a\",\"b\"]}").get("stop_sequences"))
                .isEqualTo(json("[\"a\",\"b\"]"));
        assertThat(MessagesRequest.fromChat(json("{" + msgs + "}"), "m", 10, null)
                        .has("metadata"))
                .isFalse();
    }

    @Test
    void toolsToolChoiceToolCallsAndToolResults() throws Exception {
        JsonNode out = translate("""
                {"messages":[
                  {"role":"user","content":"Weather in Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                    {"id":"toolu_2","type":"function","function":{"name":"time","arguments":""}}]},
                  {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
                  {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"noon"}]}],
                 "tools":[{"type":"function","function":{"name":"weather","description":"Weather of a city",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                   {"type":"function","function":{"name":"time"}}],
                 "tool_choice":{"type":"function","function":{"name":"weather"}},
                 "parallel_tool_calls":false}""");
        assertThat(out.get("messages")).isEqualTo(json("""
                [{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}},
                   {"type":"tool_use","id":"toolu_2","name":"time","input":{}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
                   {"type":"tool_result","tool_use_id":"toolu_2","content":"noon"}]}]"""));
        assertThat(out.get("tools")).isEqualTo(json("""
                [{"name":"weather","description":"Weather of a city",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                 {"name":"time","input_schema":{"type":"object","properties":{}}}]"""));
        assertThat(out.get("tool_choice"))
                .isEqualTo(json("{\"type\":\"tool\",\"name\":\"weather\",\"disable_parallel_tool_use\":true}"));
    }

    @Test
    void toolChoiceWords() throws Exception {
        String base = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":";
        assertThat(translate(base + "\"auto\"}").get("tool_choice")).isEqualTo(json("{\"type\":\"auto\"}"));
        assertThat(translate(base + "\"required\"}").get("tool_choice")).isEqualTo(json("{\"type\":\"any\"}"));
        assertThat(translate(base + "\"none\"}").get("tool_choice")).isEqualTo(json("{\"type\":\"none\"}"));
    }

    @Test
    void imagesByUrlAndAsBase64DataUrls() throws Exception {
        JsonNode out = translate("""
                {"messages":[{"role":"user","content":[
                  {"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}},
                  {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}]}""");
        assertThat(out.get("messages").get(0).get("content")).isEqualTo(json("""
                [{"type":"text","text":"What is this?"},
                 {"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},
                 {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]"""));
    }

    @Test
    void whatCannotBeSentIsA400NamingIt() throws Exception {
        assertThat(invalid("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}"))
                .hasMessageContaining("n must be 1");
        assertThat(invalid("{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\","
                        + "\"function\":{\"name\":\"f\",\"arguments\":\"not json\"}}]}]}"))
                .hasMessageContaining("arguments must be a JSON object");
        assertThat(invalid("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}"))
                .hasMessageContaining("'input_audio' cannot be sent to Anthropic");
        assertThat(invalid("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"))
                .hasMessageContaining("tool_call_id");
        assertThat(invalid("{\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}"))
                .hasMessageContaining("'function' cannot be sent");
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]";
        for (String field : new String[] {
            "\"response_format\":{\"type\":\"json_object\"}",
            "\"logprobs\":true",
            "\"top_logprobs\":3",
            "\"logit_bias\":{\"50256\":-100}",
            "\"frequency_penalty\":0.5",
            "\"presence_penalty\":-1",
            "\"seed\":7",
            "\"reasoning_effort\":\"high\""
        }) {
            TollgateException e = invalid("{" + msgs + "," + field + "}");
            assertThat(e).hasMessageContaining("not supported by Anthropic models");
        }
        // Defaults that ask for nothing pass.
        assertThat(translate("{" + msgs + ",\"logprobs\":false,\"frequency_penalty\":0,\"presence_penalty\":0,"
                                + "\"logit_bias\":{},\"seed\":null,\"response_format\":{\"type\":\"text\"}}")
                        .get("messages"))
                .isNotNull();
    }

    private static TollgateException invalid(String chat) {
        TollgateException e = catchThrowableOfType(() -> translate(chat), TollgateException.class);
        assertThat(e).as(chat).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        return e;
    }
}
