package dev.tollgate.core.customer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.error.TollgateException;
import org.junit.jupiter.api.Test;

class CustomerIdsTest {
    @Test
    void anIdWithinTheRuleIsReturnedAsIs() {
        assertThat(CustomerIds.problem("acme-42")).isNull();
        assertThat(CustomerIds.problem("caf\u00e9 \uD83D\uDE00")).isNull();
        assertThat(CustomerIds.require("x".repeat(256), "user_id", "user_id")).hasSize(256);
    }

    @Test
    void theRuleRefusesWhatADatabaseWouldRefuseOrAlter() {
        assertThat(CustomerIds.problem("")).isEqualTo("must not be empty");
        assertThat(CustomerIds.problem("\uD83D\uDE00".repeat(129))).startsWith("longer than 256 UTF-16 code units");
        assertThat(CustomerIds.problem("a\tb")).contains("U+0009");
        assertThat(CustomerIds.problem("ab\uD83D")).contains("unpaired surrogate (U+D83D) at index 2");
    }

    @Test
    void aRefusalNamesTheField() {
        assertThatThrownBy(() -> CustomerIds.require("a\nb", "user_id", "user_id"))
                .isInstanceOfSatisfying(TollgateException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("user_id");
                    assertThat(e.getMessage())
                            .isEqualTo("Invalid user_id: contains the control character U+000A at index 1");
                });
    }
}
