package dev.tollgate.core.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.error.ErrorBody;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Anthropic's error answers become OpenAI-shaped errors with the status an OpenAI SDK handles right. */
class AnthropicErrorsTest {
    @ParameterizedTest
    @CsvSource({
        "400, invalid_request_error, 400, invalid_request_error",
        "401, authentication_error, 401, auth_error",
        "403, permission_error, 403, permission_denied",
        "404, not_found_error, 404, not_found",
        "413, request_too_large, 413, invalid_request_error",
        "429, rate_limit_error, 429, rate_limit_exceeded",
        "500, api_error, 502, upstream_error",
        "529, overloaded_error, 503, service_unavailable",
    })
    void statusAndType(int anthropicStatus, String anthropicType, int status, String type) {
        TollgateException e = AnthropicErrors.of(
                anthropicStatus,
                "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType + "\",\"message\":\"boom\"}}",
                "7");
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.getMessage()).isEqualTo("Anthropic " + anthropicType + ": boom");
        assertThat(ErrorBody.of(e).at("/error/type").asText()).isEqualTo(type);
        if (status == 429 || status == 503) {
            assertThat(e.headers()).containsEntry("retry-after", "7");
        } else {
            assertThat(e.headers()).isEmpty();
        }
    }

    @Test
    void aBodyThatIsNotAnAnthropicErrorIsA502QuotingIt() {
        TollgateException e = AnthropicErrors.of(500, "<html>bad gateway</html>", null);
        assertThat(e.status()).isEqualTo(502);
        assertThat(e.getMessage()).isEqualTo("Anthropic returned HTTP 500: <html>bad gateway</html>");
    }

    @Test
    void tollgatesOwnErrorsInAnthropicsShape() throws Exception {
        TollgateException budget = new TollgateException(ErrorKind.BUDGET_EXCEEDED, "ExceededBudget: over");
        assertThat(Json.MAPPER.readTree(AnthropicErrors.bytes(budget)).toString())
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                        + "\"message\":\"ExceededBudget: over\"}}");
        assertThat(AnthropicErrors.typeFor(429)).isEqualTo("rate_limit_error");
        assertThat(AnthropicErrors.typeFor(401)).isEqualTo("authentication_error");
        assertThat(AnthropicErrors.typeFor(502)).isEqualTo("api_error");
        assertThat(AnthropicErrors.typeFor(503)).isEqualTo("overloaded_error");
    }
}
