package dev.tollgate.core.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;

class CustomerIdResolverTest {
    private final CustomerIdResolver resolver = new CustomerIdResolver(List.of("x-my-customer", "x-my-user"));
    private final Map<String, String> headers = new HashMap<>();

    private static JsonNode body(String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return Json.parse(b, 0, b.length);
    }

    private String resolve(String body) throws Exception {
        return resolver.resolve(headers::get, body == null ? null : body(body));
    }

    @Test
    void noSourceGivesNull() throws Exception {
        assertThat(resolve("{\"model\":\"gpt-4o\"}")).isNull();
        assertThat(resolve(null)).isNull();
    }

    @Test
    void standardCustomerHeaderWinsOverEverything() throws Exception {
        headers.put("x-litellm-customer-id", "  cust-a ");
        headers.put("x-litellm-end-user-id", "cust-b");
        headers.put("x-my-customer", "cust-c");
        assertThat(resolve("{\"user\":\"cust-d\"}")).isEqualTo("cust-a");
    }

    @Test
    void endUserHeaderIsSecond() throws Exception {
        headers.put("x-litellm-customer-id", "   ");
        headers.put("x-litellm-end-user-id", "cust-b");
        headers.put("x-my-customer", "cust-c");
        assertThat(resolve("{\"user\":\"cust-d\"}")).isEqualTo("cust-b");
    }

    @Test
    void configuredHeadersInOrderBeforeBodyUser() throws Exception {
        headers.put("x-my-user", "cust-u");
        assertThat(resolve("{\"user\":\"cust-d\"}")).isEqualTo("cust-u");
        headers.put("x-my-customer", "cust-c");
        assertThat(resolve("{\"user\":\"cust-d\"}")).isEqualTo("cust-c");
        headers.put("x-my-customer", "");
        assertThat(resolve("{\"user\":\"cust-d\"}")).isEqualTo("cust-u");
    }

    @Test
    void unconfiguredHeadersAreIgnored() throws Exception {
        CustomerIdResolver plain = new CustomerIdResolver(List.of());
        headers.put("x-my-customer", "cust-c");
        assertThat(plain.resolve(headers::get, body("{\"user\":\"cust-d\"}"))).isEqualTo("cust-d");
    }

    @Test
    void bodyUserIsStringified() throws Exception {
        assertThat(resolve("{\"user\":\"alice\"}")).isEqualTo("alice");
        assertThat(resolve("{\"user\":123}")).isEqualTo("123");
        assertThat(resolve("{\"user\":true}")).isEqualTo("true");
    }

    @Test
    void emptyBodyUserMeansNoCustomerEvenWithMetadata() throws Exception {
        assertThat(resolve("{\"user\":\"\",\"metadata\":{\"user_id\":\"m\"}}")).isNull();
    }

    @Test
    void nullBodyUserFallsThroughToMetadata() throws Exception {
        assertThat(resolve("{\"user\":null,\"litellm_metadata\":{\"user\":\"lm\"}}"))
                .isEqualTo("lm");
    }

    @Test
    void litellmMetadataUserAsObjectOrJsonString() throws Exception {
        assertThat(resolve("{\"litellm_metadata\":{\"user\":\"lm\"},\"metadata\":{\"user_id\":\"m\"}}"))
                .isEqualTo("lm");
        assertThat(resolve("{\"litellm_metadata\":\"{\\\"user\\\":\\\"lm-s\\\"}\"}"))
                .isEqualTo("lm-s");
    }

    @Test
    void metadataUserIdAsObjectOrJsonString() throws Exception {
        assertThat(resolve("{\"metadata\":{\"user_id\":\"m\"}}")).isEqualTo("m");
        assertThat(resolve("{\"metadata\":\"{\\\"user_id\\\":42}\"}")).isEqualTo("42");
    }

    @Test
    void unusableMetadataIsSkipped() throws Exception {
        assertThat(resolve("{\"litellm_metadata\":\"not json\",\"metadata\":{\"user_id\":\"m\"}}"))
                .isEqualTo("m");
        assertThat(resolve("{\"litellm_metadata\":{\"user\":\" \"},\"metadata\":{\"user_id\":\"m\"}}"))
                .isEqualTo("m");
        assertThat(resolve("{\"metadata\":{\"user_id\":{\"device\":\"x\"}}}")).isNull();
        assertThat(resolve("{\"metadata\":\"{broken\"}")).isNull();
    }

    @Test
    void objectOrArrayUserIsRejected() {
        for (String user : new String[] {"{\"id\":1}", "[\"a\"]"}) {
            assertThatThrownBy(() -> resolve("{\"user\":" + user + "}"))
                    .isInstanceOfSatisfying(TollgateException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                        assertThat(e.param()).isEqualTo("user");
                    });
        }
    }

    @Test
    void idOf256CharactersIsAcceptedAnd257Rejected() throws Exception {
        String ok = "a".repeat(256);
        assertThat(resolve("{\"user\":\"" + ok + "\"}")).isEqualTo(ok);
        // 256 code points that take 512 UTF-16 chars still count as 256 characters.
        String emoji = "\uD83D\uDE00".repeat(256);
        assertThat(resolve("{\"user\":\"" + emoji + "\"}")).isEqualTo(emoji);
        assertInvalid(() -> resolve("{\"user\":\"" + "a".repeat(257) + "\"}"));
        headers.put("x-litellm-customer-id", "h".repeat(257));
        assertInvalid(() -> resolve(null));
    }

    @Test
    void controlCharactersAreRejected() {
        assertInvalid(() -> resolve("{\"user\":\"a\\u0000b\"}"));
        assertInvalid(() -> resolve("{\"user\":\"a\\nb\"}"));
        assertInvalid(() -> resolve("{\"metadata\":{\"user_id\":\"a\\u007fb\"}}"));
        headers.put("x-my-user", "a\u0085b");
        assertInvalid(() -> resolve(null));
    }

    private static void assertInvalid(ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TollgateException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(e.getMessage())
                    .isEqualTo("Invalid customer id: must be at most 256 characters without control characters");
            assertThat(e.param()).isEqualTo("user");
        });
    }
}
