package dev.tollgate.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.core.error.TollgateException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class MasterKeyAuthTest {
    private final MasterKeyAuth auth = new MasterKeyAuth("sk-1234");

    @Test
    void oneAuthorizationHeaderWithTheKeyPasses() {
        HttpHeaders h = new DefaultHttpHeaders().add("Authorization", "Bearer sk-1234");
        assertThat(auth.check(h)).hasSize(64);
    }

    @Test
    void twoAuthorizationHeadersAre400WhicheverComesFirst() {
        for (String[] pair :
                new String[][] {{"Bearer sk-1234", "Bearer sk-other"}, {"Bearer sk-other", "Bearer sk-1234"}}) {
            HttpHeaders h =
                    new DefaultHttpHeaders().add("Authorization", pair[0]).add("authorization", pair[1]);
            assertThatThrownBy(() -> auth.check(h)).isInstanceOfSatisfying(TollgateException.class, e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.param()).isEqualTo("authorization");
                assertThat(e.getMessage())
                        .isEqualTo("Multiple authorization headers: send the key in exactly one header.");
            });
        }
    }

    @Test
    void aDuplicatedKeyHeaderIs400EvenWithoutAMasterKey() {
        HttpHeaders h = new DefaultHttpHeaders().add("x-api-key", "a").add("x-api-key", "b");
        assertThatThrownBy(() -> new MasterKeyAuth(null).check(h))
                .isInstanceOfSatisfying(
                        TollgateException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
