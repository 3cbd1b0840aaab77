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
    void bodyUserIsAStringOrAnIntegerInDecimal() throws Exception {
        assertThat(resolve("{\"user\":\"alice\"}")).isEqualTo("alice");
        assertThat(resolve("{\"user\":123}")).isEqualTo("123");
        assertThat(resolve("{\"user\":-7}")).isEqualTo("-7");
        assertThat(resolve("{\"user\":123456789012345678901234567890}")).isEqualTo("123456789012345678901234567890");
    }

    @Test
    void booleanFractionObjectOrArrayUserIsRefusedInsteadOfBecomingACustomer() {
        for (String user : new String[] {"true", "false", "1.5e300", "12.0", "{\"id\":1}", "[\"a\"]"}) {
            assertInvalid(() -> resolve("{\"user\":" + user + "}"), "user", "'user' must be a string (or an integer)");
        }
        assertInvalid(
                () -> resolve("{\"safety_identifier\":true}"),
                "safety_identifier",
                "'safety_identifier' must be a string (or an integer)");
    }

    @Test
    void blankBodyUserNamesNoCustomerAndTheNextSourceIsTried() throws Exception {
        assertThat(resolve("{\"user\":\"\",\"metadata\":{\"user_id\":\"m\"}}")).isEqualTo("m");
        assertThat(resolve("{\"user\":\"  \",\"safety_identifier\":\"s\"}")).isEqualTo("s");
        assertThat(resolve("{\"user\":\"\"}")).isNull();
    }

    @Test
    void safetyIdentifierNamesTheCustomerAfterUserAndBeforeMetadata() throws Exception {
        assertThat(resolve("{\"safety_identifier\":\"sid\"}")).isEqualTo("sid");
        assertThat(resolve("{\"user\":\"u\",\"safety_identifier\":\"sid\"}")).isEqualTo("u");
        assertThat(resolve("{\"safety_identifier\":\"sid\",\"metadata\":{\"user_id\":\"m\"}}"))
                .isEqualTo("sid");
        headers.put("x-litellm-customer-id", "h");
        assertThat(resolve("{\"safety_identifier\":\"sid\"}")).isEqualTo("h");
    }

    @Test
    void configuredOrderDecidesAndUnlistedSourcesAreNeverRead() throws Exception {
        CustomerIdResolver sidFirst =
                new CustomerIdResolver(List.of(), List.of(CustomerIdSource.SAFETY_IDENTIFIER, CustomerIdSource.USER));
        headers.put("x-litellm-customer-id", "h");
        assertThat(sidFirst.resolve(headers::get, body("{\"user\":\"u\",\"safety_identifier\":\"sid\"}")))
                .isEqualTo("sid");
        assertThat(sidFirst.resolve(headers::get, body("{\"user\":\"u\"}"))).isEqualTo("u");
        // Neither the header nor the metadata is a source here: they name no customer.
        assertThat(sidFirst.resolve(headers::get, body("{\"metadata\":{\"user_id\":\"m\"}}")))
                .isNull();
        // An unlisted source is not validated either.
        assertThat(sidFirst.resolve(headers::get, body("{\"metadata\":{\"user_id\":\"a\\nb\"}}")))
                .isNull();
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
        assertThat(resolve("{\"metadata\":{\"user_id\":true}}")).isNull();
        assertThat(resolve("{\"metadata\":{\"user_id\":1.5}}")).isNull();
        assertThat(resolve("{\"metadata\":\"{broken\"}")).isNull();
    }

    @Test
    void lengthIsCountedInUtf16CodeUnitsTheUnitBothDatabasesAccept() throws Exception {
        String ok = "a".repeat(256);
        assertThat(resolve("{\"user\":\"" + ok + "\"}")).isEqualTo(ok);
        assertInvalid(() -> resolve("{\"user\":\"" + "a".repeat(257) + "\"}"), "user", "longer than 256");
        // 128 emoji are 256 code units and fit; 129 (258 units) and 200 (400 units) do not, although
        // they are fewer than 256 characters: H2's VARCHAR(256) would refuse them at every flush.
        String emoji = "\uD83D\uDE00";
        assertThat(resolve("{\"user\":\"" + emoji.repeat(128) + "\"}")).isEqualTo(emoji.repeat(128));
        assertInvalid(() -> resolve("{\"user\":\"" + emoji.repeat(129) + "\"}"), "user", "got 258");
        assertInvalid(() -> resolve("{\"user\":\"" + emoji.repeat(200) + "\"}"), "user", "got 400");
        headers.put("x-litellm-customer-id", "h".repeat(257));
        assertInvalid(() -> resolve(null), "x-litellm-customer-id", "longer than 256");
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        assertInvalid(() -> resolve("{\"user\":\"a\\ud83db\"}"), "user", "unpaired surrogate (U+D83D) at index 1");
        assertInvalid(() -> resolve("{\"user\":\"\\ude00\"}"), "user", "unpaired surrogate");
        assertInvalid(() -> resolve("{\"user\":\"\\ude00\\ud83d\"}"), "user", "unpaired surrogate");
        assertInvalid(() -> resolve("{\"safety_identifier\":\"x\\ud83d\"}"), "safety_identifier", "unpaired");
    }

    @Test
    void controlCharactersAreRejected() {
        assertInvalid(() -> resolve("{\"user\":\"a\\u0000b\"}"), "user", "U+0000 at index 1");
        assertInvalid(() -> resolve("{\"user\":\"a\\nb\"}"), "user", "U+000A");
        assertInvalid(() -> resolve("{\"metadata\":{\"user_id\":\"a\\u007fb\"}}"), "metadata", "U+007F");
        headers.put("x-my-user", "a\u0085b");
        assertInvalid(() -> resolve(null), "x-my-user", "U+0085");
    }

    private static void assertInvalid(ThrowableAssert.ThrowingCallable call, String param, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TollgateException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(e.getMessage()).startsWith("Invalid customer id").contains(messagePart);
            assertThat(e.param()).isEqualTo(param);
        });
    }
}
